"""Direct and group conversations: rooms of kind `direct`/`group` (docs/websockets.md for the socket).

They share the rooms app's message pipeline, socket, history and read markers; this package adds
only what conversations need on top: who may write to whom (rules), starting, accepting, declining,
muting and leaving (services), the conversation list (selectors) and the conversations/ endpoints.
"""
