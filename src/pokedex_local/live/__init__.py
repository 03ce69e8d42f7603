"""The live view at /__local/: what the stack is doing, second by second, in a browser."""
