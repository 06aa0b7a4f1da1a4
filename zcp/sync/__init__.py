"""Docs sync: pull zeropsio/docs into the corpus with provenance, push guide edits back as a PR.

Data flow: ``sync_config`` (what to read) → ``docs_source`` / ``github_source`` (a snapshot of
the upstream) → ``pull_plan`` (where each page lands, what is already current) → ``mdx_parse`` →
``mdx_render`` + ``mdx_components`` (MDX to markdown) → ``doc_transform`` (one page ⇄ one corpus
file) → ``docs_pull`` (validate, stage, swap, manifest, index) and ``docs_push`` (changed guides
→ one pull request). ``cli`` is the ``zcp sync`` command. See docs/sync.md.
"""
