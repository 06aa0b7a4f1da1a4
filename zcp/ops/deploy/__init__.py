"""Deploying code: preflight, the pushers (SSH, zcli, native), the build watch, classification,
git-push delivery, redeploys of earlier versions and dev servers. ``docs/deploy.md`` tells the story;
:mod:`.service` is the entry point of one deploy.
"""
