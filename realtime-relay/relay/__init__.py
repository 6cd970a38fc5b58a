"""The realtime relay: holds a candidate's WebSocket and runs the interview's turns over it."""
