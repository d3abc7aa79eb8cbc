"""WS-Management as Windows' WinRM service speaks it: SOAP envelopes, the remote shell life cycle, faults."""
