"""The fault lab (`make chaos`): steady load, one fault at a time, results per second."""
