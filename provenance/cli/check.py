"""``provenance check`` (gate a dataset release on a licence policy) and ``provenance baseline``.

Exit codes: 0 the policy holds, 1 the policy is violated, 2 usage, input or tool error, 130 interrupted.
"""

from __future__ import annotations

import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from provenance.cli.common import (
    EXIT_DIFFERENCE,
    EXIT_ERROR,
    EXIT_OK,
    MAX_RECORD_BYTES_DEFAULT,
    FormatOpt,
    IdFieldOpt,
    IncludeDeletedOpt,
    JobsOpt,
    MaxRecordBytesOpt,
    MetaFieldOpt,
    TextFieldOpt,
    fail,
    failure_of,
    handle_errors,
    out_dir,
    progress_bar,
    reader_options,
    say,
    stderr,
)

if TYPE_CHECKING:
    from provenance.api import CheckReport, Policy, ReaderOptions

OUTPUT_PANEL = "Outputs"
FINDINGS_SHOWN = 10


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _output_opt(flag: str, text: str) -> object:
    return typer.Option(flag, help=text, rich_help_panel=OUTPUT_PANEL, show_default=False)


@handle_errors
def check_command(
    inputs: Annotated[
        list[Path] | None,
        typer.Argument(help="The dataset release to scan (files, directories, globs).", show_default=False),
    ] = None,
    index: Annotated[
        Path | None, typer.Option("--index", "-i", help="The index of licensed items.", show_default=False)
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            "-p",
            help="Policy file (default: ./provenance.toml, else \\[tool.provenance] in ./pyproject.toml).",
            show_default=False,
        ),
    ] = None,
    from_scan: Annotated[
        Path | None,
        typer.Option(
            "--from-scan",
            help="Judge an existing scan output directory instead of scanning.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            parser=out_dir,
            help="Keep the scan's evidence here (default: a temporary directory).",
            show_default=False,
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline", "-b", help="Accepted findings (from `provenance baseline`).", show_default=False
        ),
    ] = None,
    sarif: Annotated[Path | None, _output_opt("--sarif", "Write SARIF 2.1.0 (GitHub code scanning).")] = None,
    junit: Annotated[Path | None, _output_opt("--junit", "Write JUnit XML, one test case per rule.")] = None,
    summary: Annotated[
        Path | None, _output_opt("--summary", 'Append a Markdown summary (e.g. "$GITHUB_STEP_SUMMARY").')
    ] = None,
    json_out: Annotated[Path | None, _output_opt("--json", "Write the whole report as JSON.")] = None,
    lines: Annotated[
        str | None,
        _output_opt("--lines", "Write 'path:line: message' per finding to a file, or '-' for stdout."),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Skipped or unreadable records fail the check (exit 1)."),
    ] = False,
    fmt: FormatOpt = "auto",
    text_field: TextFieldOpt = None,
    id_field: IdFieldOpt = None,
    meta_field: MetaFieldOpt = None,
    include_deleted: IncludeDeletedOpt = False,
    max_record_bytes: MaxRecordBytesOpt = MAX_RECORD_BYTES_DEFAULT,
    jobs: JobsOpt = None,
) -> None:
    """Scan a dataset release and judge it against a licence policy (a CI gate).

    Exits 0 when the policy holds, 1 when it is violated, 2 on a usage, input or tool error, 130 on Ctrl-C.

    On exit 2 the outputs asked for (--sarif, --junit, ...) are written with a tool-error result.
    """
    started, started_at = time.monotonic(), _now()
    outputs = _Outputs(sarif=sarif, junit=junit, summary=summary, json_out=json_out, lines=lines)

    def run() -> dict:
        return {
            "started_at": started_at,
            "finished_at": _now(),
            "seconds": round(time.monotonic() - started, 3),
            "scan_out": out.as_posix() if out else (from_scan.as_posix() if from_scan else None),
        }

    try:
        report, loaded = _judge(
            inputs,
            index,
            policy,
            from_scan,
            out,
            baseline,
            strict,
            reader_options(fmt, text_field, id_field, meta_field, include_deleted, max_record_bytes),
            jobs,
        )
    except BaseException as err:
        failure = failure_of(err)
        if failure.code == EXIT_ERROR:
            _write_tool_error_outputs(failure.message, failure.source, run(), outputs)
        raise
    _write_outputs(report, run(), outputs)
    _print_report(report, loaded)
    raise typer.Exit(EXIT_OK if report.passed else EXIT_DIFFERENCE)


@dataclass(frozen=True)
class _Outputs:
    """The files (and ``--lines -``: stdout) a check writes its result to."""

    sarif: Path | None = None
    junit: Path | None = None
    summary: Path | None = None
    json_out: Path | None = None
    lines: str | None = None

    def any(self) -> bool:
        return any(v is not None for v in (self.sarif, self.junit, self.summary, self.json_out, self.lines))


def _judge(
    inputs: list[Path] | None,
    index: Path | None,
    policy: Path | None,
    from_scan: Path | None,
    out: Path | None,
    baseline: Path | None,
    strict: bool,
    options: ReaderOptions,
    jobs: int | None,
) -> tuple[CheckReport, Policy]:
    """Load the policy, scan (or take ``--from-scan``) and judge: the report and the policy applied."""
    from provenance.api import Baseline, Policy, check_scan, find_policy

    policy_path = policy or find_policy(Path("."))
    loaded = Policy.from_file(policy_path)
    if strict and not loaded.strict:
        from dataclasses import replace

        loaded = replace(loaded, strict=True)
    loaded.load_baseline()  # a broken policy baseline is a usage error before any scanning
    accepted = Baseline.from_file(baseline) if baseline is not None else None
    with ExitStack() as stack:
        scan_dir = _scan_or_existing(stack, inputs, index, from_scan, out, options, jobs)
        return check_scan(loaded, scan_dir, accepted), loaded


def _write_tool_error_outputs(message: str, source: str | None, run: dict, outputs: _Outputs) -> None:
    """The check could not run (exit 2): write every output it was asked for with a tool-error result,
    so that CI shows the failure where it shows findings (SARIF, JUnit, summary, JSON, lines).

    Where writing fails, nothing more is written; the error itself is reported (exit 2) all the same.
    """
    if not outputs.any():
        return
    from provenance.api import CheckReport

    try:
        _write_outputs(CheckReport.tool_error(message, source=source), run, outputs)
    except Exception as err:  # noqa: BLE001 - the check's own error is the one to report
        reason = escape(str(err) or type(err).__name__)
        say(f"[yellow]the tool-error outputs could not be written: {reason}[/]")


def _scan_or_existing(
    stack: ExitStack,
    inputs: list[Path] | None,
    index: Path | None,
    from_scan: Path | None,
    out: Path | None,
    options: ReaderOptions,
    jobs: int | None,
) -> Path:
    """The scan directory to judge: ``--from-scan``, or a fresh scan into ``--out`` or a temporary one."""
    if from_scan is not None:
        if inputs or index is not None or out is not None:
            raise fail("--from-scan judges an existing scan: give no INPUTS, --index or --out with it")
        return from_scan
    if not inputs:
        raise fail("give the dataset INPUTS to scan (with --index), or --from-scan DIR")
    if index is None:
        raise fail("--index is required to scan (or judge an existing scan with --from-scan DIR)")
    from provenance.api import scan

    target = out or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="provenance-check-")))
    with progress_bar("scanning") as progress:
        scan(inputs, index, target, reader_options=options, jobs=jobs, progress=progress)
    return target


def _write_outputs(report: CheckReport, run: dict, outputs: _Outputs) -> None:
    from provenance.api import CheckFormat, CheckRenderOptions, atomic_write_bytes, render_check

    options = CheckRenderOptions(root=Path.cwd(), run=run)
    summary, lines = outputs.summary, outputs.lines
    for fmt, target in (
        (CheckFormat.SARIF, outputs.sarif),
        (CheckFormat.JUNIT, outputs.junit),
        (CheckFormat.JSON, outputs.json_out),
    ):
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(target, render_check(report, fmt, options).encode("utf-8"))
    if summary is not None:
        summary.parent.mkdir(parents=True, exist_ok=True)
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(render_check(report, CheckFormat.SUMMARY, options))
    if lines == "-":
        sys.stdout.write(render_check(report, CheckFormat.LINES, options))
        sys.stdout.flush()
    elif lines is not None:
        target = Path(lines)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, render_check(report, CheckFormat.LINES, options).encode("utf-8"))


def _print_report(report: CheckReport, policy: Policy) -> None:
    """The verdict, one row per rule, and the first findings, on stderr."""
    from provenance.api import finding_line

    table = Table(show_header=True, box=None, padding=(0, 2))
    table.add_column("rule")
    table.add_column("result")
    table.add_column("detail", overflow="fold")
    for o in report.rules:
        table.add_row(
            escape(o.rule_id), "[green]passed[/]" if o.passed else "[red]failed[/]", escape(o.detail)
        )
    stderr.print(table)
    for finding in report.findings[:FINDINGS_SHOWN]:
        say(f"  {escape(finding_line(finding, Path.cwd()))}")
    if len(report.findings) > FINDINGS_SHOWN:
        say(f"  ... and {len(report.findings) - FINDINGS_SHOWN:,} more")
    if report.expired_baseline:
        say(
            f"[yellow]{len(report.expired_baseline)} baseline entr(ies) expired:"
            " their findings count again[/]"
        )
    c = report.counts
    verdict = "[bold green]check passed[/]" if report.passed else "[bold red]check failed[/]"
    say(
        f"{verdict} ({escape(policy.source or 'policy')}): {c['matches']:,} match(es),"
        f" {c['violations']:,} violation(s), {c['warnings']:,} warning(s), {c['suppressed']:,} accepted;"
        f" records read {report.scan['records_read']:,} = {report.scan['records_scanned']:,} scanned"
        f" + {report.scan['records_skipped']:,} skipped"
    )


@handle_errors
def baseline_command(
    source: Annotated[
        Path,
        typer.Argument(
            help="A scan output directory, or a `provenance check --json` report.", show_default=False
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="Baseline file to write (extended when it exists).", show_default=False
        ),
    ],
    reason: Annotated[str, typer.Option(help="Why these findings are accepted.")] = "accepted finding",
    expires: Annotated[
        str | None,
        typer.Option(
            help="Last day the entries apply (YYYY-MM-DD); they fail again afterwards.", show_default=False
        ),
    ] = None,
) -> None:
    """Accept the findings of a scan (or of a check report) in a baseline file, keyed by content.

    Existing entries of --output keep their reason and expiry; new findings are appended.
    """
    from provenance.api import write_baseline

    until = None
    if expires is not None:
        try:
            until = date.fromisoformat(expires)
        except ValueError:
            raise typer.BadParameter(
                f"expected a date such as 2026-12-31, got {expires!r}", param_hint="'--expires'"
            ) from None
    total, added = write_baseline(source, output, reason, until)
    say(f"[green]baseline[/] {escape(output.as_posix())}: {total:,} entr(ies), {added:,} new")
