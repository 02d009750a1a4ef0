"""The one command-line entry point: `python -m generators build | check | serve`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from generators.core.errors import InputError, Problem

DESCRIPTION = """重点青少年群体服务管理工作手册生成器
Handbook generator for key-youth-group service management.

常用 / common:
  python -m generators build     读取 data/，生成手册站点到 site/ (build the site)
  python -m generators check     只检查政策文本与单位名称 (check inputs only)
  python -m generators serve     生成并在本机预览 (build and preview on localhost)
  python -m generators edition list            列出已发布的版本 (list editions)
  python -m generators edition cut --number 2025.1 --date 2025-01-01 --title 第三版
                                 把 data/ 当前内容发布为新版本 (publish data/ as an edition)"""


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--root", type=Path, default=Path("."), help="项目目录（含 mkdocs.yml）/ project folder"
    )
    common.add_argument("--data", type=Path, help="数据目录，默认 <root>/data / data folder")
    common.add_argument("--build-dir", type=Path, help="中间文件目录，默认 <root>/build / intermediate files")
    common.add_argument("--site", type=Path, help="站点输出目录，默认 <root>/site / published site")
    common.add_argument(
        "--restricted",
        type=Path,
        help="受限输出目录（含个人信息），默认 <root>/restricted / restricted output",
    )
    common.add_argument(
        "--registry", type=Path, help="台账目录（.xlsx/.csv），默认按 data/registry.yaml / registry folder"
    )
    common.add_argument("--month", help="报表月份 YYYY-MM，默认为台账最新数据的下一个月 / report month")
    size = common.add_argument_group("模拟台账规模（默认见 data/registry.yaml）/ synthetic registry size")
    for flag, what in (
        ("townships", "乡镇数"),
        ("villages-per-township", "每乡镇村数"),
        ("cases-per-village", "每村个案数"),
        ("months", "联系记录月数"),
    ):
        size.add_argument(f"--{flag}", type=int, metavar="N", help=f"{what} / {flag.replace('-', ' ')}")
    run = common.add_argument_group("并行 / where the work runs")
    run.add_argument(
        "--workers", type=int, metavar="N", help="本机并行进程数，默认为 CPU 核数 / local worker processes"
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="Dask 调度器地址（如 tcp://10.0.0.5:8786；也可用环境变量 DASK_SCHEDULER_ADDRESS）/ Dask scheduler",
    )
    run.add_argument("--serial", action="store_true", help="全部在本进程中依次运行（排错用）/ no parallelism")
    common.add_argument("-q", "--quiet", action="store_true", help="不显示进度 / no progress output")
    p = argparse.ArgumentParser(
        prog="python -m generators",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="命令")
    sub.add_parser("build", parents=[common], help="生成手册站点 / build the handbook site")
    sub.add_parser("check", parents=[common], help="检查输入，列出未识别的单位名称 / check inputs")
    edition = sub.add_parser(
        "edition", parents=[common], help="版本：列出或发布 / list or cut handbook editions"
    )
    edition.add_argument(
        "action", choices=["list", "cut"], help="list 列出已发布的版本；cut 把 data/ 当前内容发布为新版本"
    )
    edition.add_argument("--number", help="新版本号，如 2025.1 / the new edition's number")
    edition.add_argument("--date", help="发布日期 YYYY-MM-DD，默认今天 / publication date")
    edition.add_argument("--title", default="", help="版本标题 / title")
    edition.add_argument("--notes", default="", help="版本说明 / what changed, in a sentence")
    serve = sub.add_parser("serve", parents=[common], help="生成并在本机预览 / build and serve on localhost")
    serve.add_argument("--port", type=int, default=8000, help="端口 / port (8000)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("  mkdocs %(levelname)s: %(message)s"))
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(handler)
    mkdocs_log.setLevel(logging.WARNING)
    from generators.config.settings import Settings

    try:
        settings = Settings.from_args(
            args.root,
            args.data,
            args.build_dir,
            args.site,
            args.restricted,
            args.registry,
            args.month,
            {
                k: getattr(args, k)
                for k in ("townships", "villages_per_township", "cases_per_village", "months")
            },
            args.scheduler,
            args.workers,
            args.serial,
        )
        if args.command == "build":
            from generators.commands import build

            return int(build.run(settings, quiet=args.quiet)["exit_code"])
        elif args.command == "check":
            from generators.commands import check

            return check.run(settings)
        elif args.command == "edition":
            from generators.commands import edition

            if args.action == "list":
                return edition.list_editions(settings)
            if not args.number:
                raise InputError(Problem("--number", "发布新版本需要版本号，如 --number 2025.1"))
            return edition.cut(settings, args.number, args.date, args.title, args.notes)
        elif args.command == "serve":
            from generators.commands import serve

            serve.run(settings, args.port)
    except InputError as exc:
        print(
            "\n输入有误，未生成站点（原有站点保持不变）："
            if args.command in ("build", "serve")
            else "\n输入有误：",
            file=sys.stderr,
        )
        from generators.privacy.masking import mask_patterns

        for problem in exc.problems:  # an ID number or phone quoted in a message is masked all the same
            print(f"  - {mask_patterns(str(problem))}", file=sys.stderr)
        return 2
    except Exception as exc:  # mkdocs aborts (strict mode) and the like: say so plainly, keep old site
        from mkdocs.exceptions import MkDocsException

        if isinstance(exc, MkDocsException):
            print(f"\n站点构建失败，原有站点保持不变：{exc}", file=sys.stderr)
            return 1
        raise
    return 0
