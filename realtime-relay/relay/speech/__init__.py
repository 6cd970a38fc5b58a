"""Speech in and out: the ports (`ports.py`) and their adapters, Deepgram and the offline engines."""
