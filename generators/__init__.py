"""Handbook and report generator for key-youth-group service management (重点青少年群体服务管理手册生成器).

The package reads as its pipeline: readers (load) → outline/extract (model) → matrices/calendar
(derive) → pages (render) → site (publish); `cli` and `commands/` drive it.
"""
