"""winlab: a WS-Management server on loopback whose endpoints are simulated legacy Windows hosts.

A test double for winfix.volsnap: it never stands in for a claim about real Windows. Every emulated output
format names its source in a comment next to the code that produces it.
"""
