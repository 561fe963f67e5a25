"""The ``faceright`` command: a thin click layer over the library (see :mod:`faceright.evaluate`)."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

import click

from .dates import TODAY_ENV
from .errors import EngineError, FacerightError
from .evaluate import Engine, load_engine
from .render import json_line, to_text
from .rulebook import default_rules_dir

CONTEXT = {"help_option_names": ["-h", "--help"]}


class LazyGroup(click.Group):
    """A command group whose heavier commands are imported only when named (or listed by
    ``--help``), so that ``assess`` does not load the batch machinery (processes, sqlite3, Dask).

    ``LAZY`` maps a command name to ``(module, attribute)`` of its click command."""

    LAZY: dict[str, tuple[str, str]] = {"batch": ("faceright.batch_cmd", "batch")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command behind the error boundary (see :func:`guarded`): a
        :class:`FacerightError` or an unreadable file becomes ``error: …`` and exit 2, a bug
        ``error: internal error — please report (log: PATH)`` and exit 70."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit,
                KeyboardInterrupt, EOFError):
            raise
        except EngineError as exc:  # valid input the engine failed on: a bug
            raise InternalError(_internal(exc, _command_path(ctx))) from None
        except FacerightError as exc:
            raise Reported(str(exc)) from None
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise
            raise Reported(_os_message(exc)) from None
        except Exception as exc:  # noqa: BLE001 - the boundary: a bug, reported without a traceback
            raise InternalError(_internal(exc, _command_path(ctx))) from None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.LAZY and cmd_name not in self.commands:
            module, attribute = self.LAZY[cmd_name]
            self.add_command(getattr(import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


def error_lines(error: object) -> str:
    """An error for the terminal: ``error: `` before each of its lines (a case with several
    problems has one located line per problem)."""
    return "\n".join(f"error: {line}" for line in str(error).splitlines() or [""])


class Reported(click.ClickException):
    """An error already worded for the user: printed as ``error: MESSAGE``, exit 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(error_lines(self.message), err=True)


class InternalError(Reported):
    """A bug, already logged: ``error: internal error — please report (log: PATH)``, exit 70."""

    exit_code = 70


def _os_message(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename is not None else ""
    return f"{where}{exc.strerror or type(exc).__name__}"


def _command_path(ctx: click.Context) -> str:
    """The command named on the line (e.g. ``faceright rules lint``), never its arguments."""
    words = ["faceright"]
    sub = ctx.invoked_subcommand
    group: click.Command | None = ctx.command
    while sub and isinstance(group, click.Group):
        words.append(sub)
        group = group.commands.get(sub)
        sub = None
    return " ".join(words)


def _engine(rules: str | None) -> Engine:
    try:
        return load_engine(rules)
    except FacerightError as exc:
        raise click.UsageError(str(exc)) from None


def _date(_: Any, __: Any, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)") from None


RULES = click.option("--rules", type=click.Path(file_okay=False), default=None,
                     help="Rules directory (default: the shipped rulebook).")
LANG = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                    help="Language of text output.")
AS_OF = click.option("--as-of", callback=_date, default=None, metavar="DATE",
                     help="Assess under the law as of DATE (a hypothetical override).")


def _today(_: Any, __: Any, value: str | None) -> None:
    """``--today``: fix "today" for this command and every process it starts (the clock is
    :func:`faceright.dates.today`, read from ``FACERIGHT_TODAY``)."""
    if value is None:
        return
    _date(_, __, value)
    os.environ[TODAY_ENV] = value


@click.group(cls=LazyGroup, context_settings=CONTEXT)
@click.version_option(package_name="faceright")
@click.option("--today", callback=_today, default=None, metavar="DATE", expose_value=False,
              is_eager=True, help="Take DATE as today (where a missing date, 'after …' or "
              "still_online ends; echoed in the output). Default: FACERIGHT_TODAY, else the system date.")
def main() -> None:
    """faceright: assess AI face-swap incidents under Chinese law (an assessment aid, not legal advice)."""


@main.command()
@click.argument("file", type=str)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--receipt", is_flag=True, help="Add a decision receipt (hashes, input, rules fired) to JSON output.")
@click.option("--report", "with_report", is_flag=True,
              help="Add the report for a person (in --lang) to JSON output, as the key 'report'.")
@click.option("--law-text", is_flag=True, help="Unfold the statute text in the text report (each provision once).")
@LANG
@AS_OF
@RULES
def assess(file: str, fmt: str, receipt: bool, with_report: bool, law_text: bool, lang: str,
           as_of: dt.date | None, rules: str | None) -> None:
    """Assess the case(s) in FILE (YAML, JSON or JSONL; - for stdin): the report for a person
    (the answer first, what to do, rights, who is responsible, …), or the contract's JSON.

    Example: faceright assess cases/zhang-v-template-app.yaml --format json
    """
    from .casefile import read_cases
    engine = _engine(rules)
    loaded = list(read_cases(engine.reader, file))
    several = len(loaded) > 1
    failed = False
    for item in loaded:
        if item.error is not None:
            click.echo(error_lines(item.error), err=True)
            failed = True
            continue
        if fmt == "json":
            result = engine.assess(item.case, as_of)
            data = result.to_json_dict()
            if receipt:
                from .receipt import make
                data["receipt"] = make(engine, item.case, result, as_of)
            if with_report:
                from .report import build_report
                data["report"] = build_report(engine, item.case, lang, as_of).to_dict()
            click.echo(json_line(data) if several else json.dumps(data, ensure_ascii=False, indent=2))
        elif fmt == "markdown":
            from .report import build_report
            from .report_render import to_markdown
            click.echo(to_markdown(build_report(engine, item.case, lang, as_of)))
        else:
            click.echo(to_text(engine, item.case, lang, as_of, law_text))
    if failed:
        sys.exit(2)


@main.command()
@click.argument("file", type=str)
@click.option("-o", "--output", "directory", required=True, type=click.Path(file_okay=False),
              help="Directory to write the documents into (created if missing).")
@click.option("--lang", type=click.Choice(["zh", "en", "both"]), default="zh", show_default=True,
              help="Language of the documents: Chinese is always written (documents go to Chinese "
                   "platforms, police and courts); en or both add an English translation.")
@click.option("--format", "fmt", type=click.Choice(["docx", "md"]), default="docx", show_default=True)
@click.option("--date", "today", callback=_date, default=None, metavar="DATE",
              help="The date the documents are signed (default: today).")
@RULES
def documents(file: str, directory: str, lang: str, fmt: str, today: dt.date | None, rules: str | None) -> None:
    """Write the documents that apply to the case in FILE: the notice to the platform (Civil
    Code 1195), a letter of demand, a report to the police, a complaint to the regulator, a
    draft statement of claims. Same case, language and date: same bytes.

    Example: faceright documents cases/zhang-v-template-app.yaml -o out --lang en --format md
    """
    from .casefile import read_cases
    from .documents import document_langs, write_documents
    engine = _engine(rules)
    loaded = list(read_cases(engine.reader, file))
    failed = False
    langs = list(document_langs("en" if lang == "both" else lang))
    if len(langs) > 1 and lang == "en":
        click.echo(engine.book.guidance.words["en"].also_translation, err=True)
    for item in loaded:
        if item.error is not None:
            click.echo(error_lines(item.error), err=True)
            failed = True
            continue
        case: Any = item.case
        target = Path(directory) / case.case if len(loaded) > 1 else Path(directory)
        try:
            written = write_documents(engine, case, target, langs, fmt, today or dt.date.today())
        except OSError as exc:
            raise click.UsageError(f"cannot write to {target}: {exc.strerror or exc}") from None
        for path in written:
            click.echo(str(path))
        if not written:  # said, not silent: nothing applies yet on these facts
            click.echo(f"{case.case}: no document applies on these facts yet (e.g. no right is "
                       "infringed or open that a notice or claim could rest on)", err=True)
    if failed:
        sys.exit(2)


@main.command()
@RULES
@click.option("--output", "output", is_flag=True,
              help="print the schema of the assessment JSON (`assess --format json`) instead")
def schema(rules: str | None, output: bool) -> None:
    """Print the JSON Schema of a case file (for editors and other tools), or with --output
    that of an assessment (open items' additive `likely` and `indicators`, and the additive
    `report` of `assess --report`, included).

    Example: faceright schema > case.schema.json
    """
    if output:
        from .assessment import Assessment
        from pydantic import TypeAdapter

        from .report import Report
        found = Assessment.model_json_schema()
        report = TypeAdapter(Report).json_schema()
        found.setdefault("$defs", {}).update(report.pop("$defs", {}))
        report["properties"].pop("words", None)
        report["required"] = [k for k in report.get("required", []) if k != "words"]
        report["description"] = "additive, with `assess --format json --report`: the report for a person"
        found["properties"]["report"] = report
        found["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        found["title"] = "faceright assessment (faceright/1)"
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    click.echo(json.dumps(_engine(rules).reader.json_schema(), ensure_ascii=False, indent=2))


@main.command()
@click.argument("provision_id", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@AS_OF
@RULES
def provisions(provision_id: str | None, fmt: str, as_of: dt.date | None, rules: str | None) -> None:
    """List the provision catalogue, or show one provision with its text and source.

    Example: faceright provisions civil-code-1019
    """
    catalogue = _engine(rules).book.catalogue
    if fmt == "json":
        try:
            chosen = [catalogue.get(provision_id)] if provision_id else catalogue.all(as_of)
        except KeyError as exc:
            raise click.UsageError(str(exc.args[0])) from None
        click.echo(json.dumps([p.model_dump(mode="json") for p in chosen], ensure_ascii=False, indent=2))
        return
    if provision_id is None:
        for p in catalogue.all(as_of):
            end = p.effective_to.isoformat() if p.effective_to else "now"
            mark = "" if p.verified else "  (text not verified)"
            click.echo(f"{p.id:40} {p.effective_from} – {end:10} {p.law} {p.title_zh}{mark}")
        return
    try:
        p = catalogue.get(provision_id)
    except KeyError as exc:
        raise click.UsageError(str(exc.args[0])) from None
    end = p.effective_to.isoformat() if p.effective_to else "now"
    lines = [f"{p.id}: {p.law} {p.title_zh} ({p.law_en}, art. {p.article})",
             f"in force: {p.effective_from} – {end}"]
    if as_of is not None:
        lines.append(f"in force on {as_of}: {'yes' if p.in_force(as_of) else 'no'}")
    lines += ["", p.text(), "", p.summary_en, "", f"source: {p.source}",
              f"verified: {'yes' if p.verified else 'no'}"]
    if p.notes:
        lines.append(f"notes: {p.notes}")
    click.echo("\n".join(lines))


INTERNAL = 70  # EX_SOFTWARE: a bug in faceright


def guarded(args: list[str] | None = None) -> int:
    """Run the command line ``args`` (default: ``sys.argv[1:]``) behind the CLI's error
    boundary and return its exit code, as in the README's table: a :class:`FacerightError` or
    click usage error is printed as ``error: file:line: key: message`` (2); a file that cannot
    be read or written is ``error: PATH: reason`` (2); Ctrl-C is 130; anything else is a bug:
    ``error: internal error — please report (log: PATH)``, exit 70, its code locations (never
    its message, which may quote input) appended to the log (:mod:`faceright.crash`)."""
    argv = sys.argv[1:] if args is None else list(args)
    try:
        result = main.main(args=argv, prog_name="faceright", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except SystemExit as stop:
        code = stop.code
        return code if isinstance(code, int) else (0 if code is None else 2)
    except click.ClickException as exc:
        exc.show()
        return 2 if exc.exit_code == 1 else exc.exit_code
    except click.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            return 130
        click.echo("error: input ended", err=True)
        return 2
    except KeyboardInterrupt:
        return 130
    except FacerightError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            return 1
        click.echo(f"error: {_os_message(exc)}", err=True)
        return 2
    except Exception as exc:  # noqa: BLE001 - the boundary: a bug, reported without a traceback
        click.echo(f"error: {_internal(exc, 'faceright')}", err=True)
        return INTERNAL


def _internal(exc: BaseException, where: str) -> str:
    """Write the report of a bug to the log; the message for the user."""
    from .crash import write_report
    _, path = write_report(exc, where)
    log = f"log: {path}" if path is not None else "no log could be written; set FACERIGHT_LOG"
    return f"internal error — please report ({log})"


def run(args: list[str] | None = None) -> None:
    """The ``faceright`` entry point: :func:`guarded`, then exit with its code."""
    code = guarded(args)
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        code = code or 1
    sys.exit(code)



def _split_key(text: str) -> tuple[str, str | None]:
    cid, _, party = text.partition("@")
    return cid, party or None


@main.command()
@click.argument("file", type=str)
@click.option("--why", "why_id", metavar="ID[@PARTY]", help="Derivation of one conclusion.")
@click.option("--why-not", "why_not_id", metavar="ID", help="Why a conclusion does not hold.")
@click.option("--flips", is_flag=True, help="Single fact changes that would flip each conclusion.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@LANG
@AS_OF
@RULES
def explain(file: str, why_id: str | None, why_not_id: str | None, flips: bool, fmt: str,
            lang: str, as_of: dt.date | None, rules: str | None) -> None:
    """Explain the assessment of the case(s) in FILE: derivations down to facts, the failing
    conditions of a conclusion that does not hold, and counterfactual flips.

    Example: faceright explain cases/zhang-v-template-app.yaml --why platform_jointly_liable --flips
    """
    from .casefile import read_cases
    from .explain import explain_case
    engine = _engine(rules)
    failed = False
    for item in read_cases(engine.reader, file):
        if item.error is not None:
            click.echo(error_lines(item.error), err=True)
            failed = True
            continue
        for name in (why_id, why_not_id):
            if name and _split_key(name)[0] not in engine.book.conclusions:
                from .errors import did_you_mean
                raise click.UsageError(f"unknown conclusion '{name}'"
                                       + did_you_mean(name, engine.book.conclusions))
        report = explain_case(engine, item.case, as_of, _split_key(why_id) if why_id else None,
                              why_not_id, flips)
        if fmt == "json":
            click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        else:
            click.echo(report.to_text(engine, lang))
    if failed:
        sys.exit(2)


@main.command()
@LANG
@click.option("--save", "save_path", metavar="FILE", help="Write the answers as a case file (on finish, quit and Ctrl-C).")
@click.option("--resume", "resume_path", metavar="FILE", help="Continue from a saved case file (and save back to it).")
@click.option("--answers", "answers_path", metavar="FILE", help="A case file of known answers; only the rest is asked.")
@click.option("--documents", "documents_dir", metavar="DIR", default="faceright-documents", show_default=True,
              help="Where to write the documents to send (.docx), e.g. the notice to the platform.")
@click.option("--notice", "notice_path", metavar="FILE", default=None, hidden=True,
              help="Replaced by --documents (accepted and ignored).")
@click.option("--case-id", default="interview", show_default=True, help="Case id of the saved file.")
@RULES
def ask(lang: str, save_path: str | None, resume_path: str | None, answers_path: str | None,
        documents_dir: str, notice_path: str | None, case_id: str, rules: str | None) -> None:
    """Guided questionnaire: asks only what can still change a conclusion, then prints the
    report (the answer first, a plan of action, …) and writes the documents to send.

    At any prompt: ? = don't know, why = why is this asked, back = previous question,
    quit = save and stop. Without a terminal, answers are read one per line; if the input
    ends before the interview does, it says so and exits 3 (answers so far saved with --save).

    Example: faceright ask --lang en --save my-case.yaml
    """
    from .ask import (RESUME, UNFINISHED, UNFINISHED_EXIT, InputEnded, Quit, Session, closing,
                      load_answers, save_answers)
    from .errors import CaseFileError
    from .interview import Answers, interviewer_for
    engine = _engine(rules)
    answers = Answers()
    source = resume_path or answers_path
    if source:
        try:
            answers = load_answers(source, engine.reader)
            engine.case(answers.case_data(case_id))
        except (CaseFileError, OSError) as exc:
            raise click.UsageError(str(exc)) from None
    target = save_path or resume_path
    stdin = sys.stdin

    def read(prompt: str) -> str | None:
        click.echo(prompt, nl=False)
        line = stdin.readline()
        if not line:
            click.echo("")
            return None
        if not stdin.isatty():
            click.echo(line.rstrip("\n"))
        return line.rstrip("\n")

    from .render import DISCLAIMER

    def save(quiet: bool = False) -> None:
        if target:  # with the facts the answers imply: `assess` of the file gives the same result
            save_answers(session.interviewer.effective(answers), target, case_id, engine.book.vocabulary)
            if not quiet:
                click.echo(f"{'答案已保存到' if lang == 'zh' else 'Answers saved to'} {target}")

    session = Session(interviewer_for(engine), answers, lang, read, click.echo)
    try:
        session.run()
    except (Quit, KeyboardInterrupt) as stop:
        save()
        click.echo(DISCLAIMER[lang])
        sys.exit(0 if isinstance(stop, Quit) else 130)
    except InputEnded as ended:  # what was answered is saved as answered; nothing is assumed
        save(quiet=True)
        click.echo(UNFINISHED[lang].format(n=ended.asked), err=True)
        if target:
            click.echo(RESUME[lang].format(path=target), err=True)
        sys.exit(UNFINISHED_EXIT)
    save()
    click.echo("")
    click.echo(closing(session.interviewer, session.answers, lang, documents_dir, case_id), nl=False)


def _case_files(paths: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for raw in paths or ("cases",):
        p = Path(raw)
        if p.is_dir():
            found += sorted(str(f) for f in p.rglob("*") if f.suffix in (".yaml", ".yml", ".json", ".jsonl", ".csv"))
        elif p.exists():
            found.append(str(p))
        else:
            raise click.UsageError(f"no such file or directory: {raw}")
    return found


@main.command("test")
@click.argument("paths", nargs=-1)
@click.option("--coverage", is_flag=True, help="Report rule, condition and provision coverage.")
@RULES
def test_cmd(paths: tuple[str, ...], coverage: bool, rules: str | None) -> None:
    """Run every case file with an `expect` block (default: cases/) as a regression test.

    Example: faceright test cases/ --coverage
    """
    from .regression import run_file
    engine = _engine(rules)
    passed = failed = 0
    bad_input = False
    results = []
    for path in _case_files(paths):
        for result in run_file(engine, path):
            results.append(result)
            if result.error is not None:
                click.echo(f"error: {result.error}", err=True)
                bad_input = True
            elif result.passed:
                passed += 1
            else:
                failed += 1
                click.echo(result.message())
    if coverage:
        from .coverage import coverage_report
        report = coverage_report(engine, [r for r in results if r.assessment is not None])
        click.echo(report.to_text())
    click.echo(f"{passed} passed, {failed} failed")
    if not bad_input and not results:
        click.echo("error: no case with an `expect` block in " + (" ".join(paths) or "cases")
                   + " (nothing was tested)", err=True)
        sys.exit(2)
    if bad_input:
        sys.exit(2)
    if failed or (coverage and report.gaps()):
        sys.exit(1)


@main.group()
def rules() -> None:
    """Inspect and check the rulebook."""


@rules.command("lint")
@click.argument("directory", required=False)
def rules_lint(directory: str | None) -> None:
    """Static checks: unreachable rules, conflicts without exceptions, uncited provisions,
    missing statute text, facts no question supplies. Exit 1 when anything is found.

    Example: faceright rules lint rules/
    """
    from .lint import lint
    engine = _engine(directory)
    findings = lint(engine.book)
    for finding in findings:
        click.echo(str(finding))
    click.echo(f"{len(findings)} finding(s)")
    if findings:
        sys.exit(1)


@rules.command("mutate")
@click.argument("paths", nargs=-1)
@RULES
@click.option("--min-score", type=click.FloatRange(0, 100), default=95.0, show_default=True,
              help="Exit 1 when fewer than this percentage of mutants is killed.")
@click.option("--rule", "only", multiple=True, metavar="GLOB",
              help="Mutate only rules whose id matches (repeatable), e.g. 'offences.*'.")
def rules_mutate(paths: tuple[str, ...], rules: str | None, min_score: float, only: tuple[str, ...]) -> None:
    """Mutate every condition and exception of every rule (drop, negate, move a threshold,
    drop an exception, widen a party) and require some case (default: cases/) to fail against
    each mutant; prints the score and each surviving mutant with its rule, file and line.
    Equivalent mutants are listed with a reason in RULES/mutants.yaml. Exit 1 below --min-score
    or when an equivalent-listed mutant is killed.

    Example: faceright rules mutate cases/ --min-score 95 --rule 'offences.*'
    """
    from .mutate import BaselineError, load_cases, load_equivalents, mutation_test, stale_equivalents
    engine = _engine(rules)
    try:
        equivalents = load_equivalents(engine.book.directory, engine.book)
        cases = load_cases(engine, _case_files(paths))
        report = mutation_test(engine.book, cases, equivalents, only)
    except FacerightError as exc:
        raise click.UsageError(str(exc)) from None
    except BaselineError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(report.to_text())
    stale = stale_equivalents(report, equivalents)
    for e in stale:
        click.echo(f"{engine.book.directory / 'mutants.yaml'}:{e.line}: rule '{e.rule}': mutant "
                   f"{e.mutant} is listed as equivalent but a case kills it")
    if report.score < min_score or stale:
        sys.exit(1)


@main.command("diff")
@click.option("--old", "old_ref", required=True, metavar="REF", help="Rules directory or git:REV.")
@click.option("--new", "new_ref", default="rules", show_default=True, metavar="REF", help="Rules directory or git:REV.")
@click.argument("corpus", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on-change", is_flag=True, hidden=True,
              help="Kept for old scripts: a change always exits 1.")
def diff_cmd(old_ref: str, new_ref: str, corpus: tuple[str, ...], fmt: str, fail_on_change: bool) -> None:
    """Semantic diff of two rule versions over a corpus of case files (default: cases/; YAML,
    JSON, JSONL or CSV). Exit 0 when nothing changed, 1 when some case's result changed, 2
    when a case cannot be read by either version.

    Example: faceright diff --old git:HEAD~1 --new rules cases/
    """

    from .diff import VersionError, diff
    try:
        report = diff(old_ref, new_ref, _case_files(corpus), Path.cwd())
    except VersionError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if fmt == "json" else report.to_text(), nl=fmt == "json")
    if report.input_errors:
        sys.exit(2)
    if report.changes:
        sys.exit(1)


@main.command()
@click.argument("receipt_file", type=click.Path(dir_okay=False))
@RULES
def verify(receipt_file: str, rules: str | None) -> None:
    """Re-run an assessment from its receipt and say whether it still holds (exit 1 if not).
    RECEIPT_FILE is `assess --format json --receipt` output (one case, or one JSON line per
    case), or a receipt alone.

    Example: faceright assess case.yaml --format json --receipt > r.json && faceright verify r.json
    """
    from .receipt import load, verify as check_receipt
    engine = _engine(rules)
    failed = False
    for where, receipt, result in load(receipt_file):
        problems = check_receipt(engine, receipt, result)
        if not problems:
            click.echo(f"{where}: receipt holds (rules {engine.version})")
            continue
        failed = True
        click.echo(f"{where}: receipt no longer holds:")
        for problem in problems:
            click.echo(f"  - {problem}")
    if failed:
        sys.exit(1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Worker processes, each with its own engine. Within one, the engine runs one request "
                   "at a time off the event loop (health checks and I/O never wait behind it); more "
                   "workers assess in parallel (about one per core).")
@click.option("--keep-alive", default=5, show_default=True, type=click.IntRange(min=1),
              help="Seconds an idle connection is kept open between requests.")
@click.option("--limit-concurrency", default=64, show_default=True, type=click.IntRange(min=1),
              help="Connections and requests served at once per worker; beyond, 503.")
@RULES
def serve(host: str, port: int, workers: int, keep_alive: int, limit_concurrency: int,
          rules: str | None) -> None:
    """Serve the web questionnaire and the HTTP API (needs the `web` extra).

    No access log is written and nothing about a user is kept. A request body must arrive
    within 60 s, pausing at most 5 s (else 408); a request's head within 10 s of the
    connection or the previous response; an idle connection is closed after --keep-alive seconds.

    Example: faceright serve --port 8000 --workers 2   (then open http://127.0.0.1:8000/, API docs at /docs)
    """
    try:
        import uvicorn

        from .serving import BoundedH11Protocol
        from .web import RULES_ENV
    except ImportError as exc:
        raise click.UsageError(f"the web server needs: pip install -e '.[web]' ({exc.name} missing)") from None
    _engine(rules)  # a bad rulebook is a usage error here, not a traceback in every worker
    # the workers import the app afresh (spawned, not forked): they find the rules by this
    os.environ[RULES_ENV] = str((Path(rules) if rules is not None else default_rules_dir()).resolve())
    uvicorn.run("faceright.web:app_factory", factory=True, host=host, port=port, workers=workers,
                access_log=False, timeout_keep_alive=keep_alive, http=BoundedH11Protocol,
                limit_concurrency=limit_concurrency, h11_max_incomplete_event_size=64 * 1024)
