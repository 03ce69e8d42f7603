"""Lambda execution environments on one machine.

The gateway side (``pool`` with its ``waiting_line`` and ``cold_start_pace``,
``environment``, ``fork_server_client``) runs in the gateway's event loop; the environment
side (``fork_server``, ``runtime``, ``context``, ``protocol``) runs in the fork server and
its children. This package ``__init__`` imports nothing on purpose: the fork server imports
it, and whatever it imports would be shared by every environment.
"""
