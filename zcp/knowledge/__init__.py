"""The knowledge engine: corpus (load + validate) → sections → Whoosh index → search and briefings.

Nothing here imports MCP, httpx or asyncssh; it is the pure core the tools and the synthesizer use.
"""
