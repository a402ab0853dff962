"""backprop-lab for researchers: a Python client and the `backprop-lab` command line.

>>> from backprop_lab import Client
>>> job = Client().submit("examples/tiny-2-3-2.json", wait=10)
>>> job["result"]["timing"]["speedup"]
"""

from .client import ApiError, Client, JobError

__all__ = ["ApiError", "Client", "JobError"]
