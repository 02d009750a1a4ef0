"""Handbook and report generator for key-youth-group service management (重点青少年群体服务管理手册生成器).

The package reads as its pipeline, one package per domain, each a small pipeline of its own:
`policy` (texts → model → matrices, calendar), `registry` (台账 → validated cases → monthly figures and
briefing sheets), `assessment` (双零 criteria → forms, ingest, scoring), `privacy`, then `website`
(render, mkdocs) and `printing` (PDF). `pipeline` lists the build's stages; `cli` and `commands/` drive
it. Imports run one way, from later stages to earlier ones (tests/test_architecture.py).
"""
