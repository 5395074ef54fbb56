"""Each input format read as records, with every problem named by its line or row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiml_embeddings.corpus.read_lines import _loads
from aiml_embeddings.corpus.records import Problem, Record
from aiml_embeddings.corpus.source import FileSource, TextsSource, open_source
from aiml_embeddings.corpus.survey import survey
from aiml_embeddings.errors import ConfigurationError


def items(path: Path, **fields: str) -> list[Record | Problem]:
    return list(FileSource(path, **fields).items())


def test_text_lines_are_records_numbered_by_line(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(b"one\r\ntwo\n\n  \nthree")
    got = items(path)
    assert got == [Record(1, 1, "one"), Record(2, 2, "two"), Problem(3, got[2].reason), Problem(4, got[3].reason),
                   Record(5, 5, "three")]  # fmt: skip
    assert "blank" in got[2].reason


def test_jsonl_ids_texts_and_problems(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    lines = [{"id": "a", "body": "x"}, {"body": "no id"}, {"id": 7, "text": "x"}, {"id": [1], "body": "y"}, "bare"]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n{oops\n")
    got = items(path, text_field="body", id_field="id")
    assert got[0] == Record(1, "a", "x") and got[1] == Record(2, 2, "no id")
    assert isinstance(got[2], Problem) and "no string field 'body'" in got[2].reason
    assert isinstance(got[3], Problem) and "'id' is list" in got[3].reason
    assert got[4] == Record(5, 5, "bare")
    assert isinstance(got[5], Problem) and got[5].number == 6 and "not valid JSON" in got[5].reason


def test_csv_and_parquet_rows(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    table = pa.table({"key": [10, 11, 12, 13], "text": ["first", "", None, "fourth, with a comma"]})
    pq.write_table(table, tmp_path / "in.parquet")
    pcsv.write_csv(table, tmp_path / "in.csv")
    for name in ("in.parquet", "in.csv"):
        source = FileSource(tmp_path / name, "text", "key")
        assert source.where == "row"
        got = list(source.items())
        assert got[0] == Record(1, 10, "first") and got[3] == Record(4, 13, "fourth, with a comma")
        assert [type(x) for x in got] == [Record, Problem, Problem, Record]
        assert survey(source).rows == 2
    with pytest.raises(ConfigurationError, match=r"no column 'body' .*key, text.*--text-field"):
        list(FileSource(tmp_path / "in.parquet", "body").items())


def test_survey_counts_and_learns_the_id_type(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 1, "text": "a"}\n{"text": "b"}\n\n')
    found = survey(FileSource(path))
    assert (found.rows, [p.number for p in found.problems], found.integer_ids) == (2, [3], True)
    path.write_text('{"id": "x", "text": "a"}\n{"text": "b"}\n')
    assert survey(FileSource(path)).integer_ids is False


def test_fingerprint_changes_with_one_byte(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_text("alpha\nbeta\n")
    first = FileSource(path).fingerprint()
    path.write_text("alpha\nbetb\n")
    assert FileSource(path).fingerprint() != first
    assert TextsSource(["a", "b"]).fingerprint() != TextsSource(["ab"]).fingerprint()


def test_missing_input_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"input file not found: .*nope\.jsonl"):
        open_source(tmp_path / "nope.jsonl")


def _outcome(parse: Any, line: str) -> tuple[Any, ...]:
    try:
        return ("value", parse(line))
    except json.JSONDecodeError as exc:
        return ("error", exc.msg, exc.pos)


LINES = ['{"a": 1}\n', '  {"a": 1}\n', '{"a": 1} x\n', '{"a": 1}{"b": 2}\n', "\n", "", '"s"\n', "[1,2]\n",
         '{"a": 1}  \r\n', "nope\n", '{"a": NaN}\n', "1 2\n", '\ufeff{"a":1}\n', '{"a": "\\u00e9"}']  # fmt: skip


@pytest.mark.parametrize("line", LINES)
def test_the_fast_line_parser_gives_what_json_loads_gives(line: str) -> None:
    assert _outcome(_loads, line) == _outcome(json.loads, line)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='{}[]":,. 0123456789abenlrstu\\\n\t-eE', max_size=24))
def test_the_fast_line_parser_gives_what_json_loads_gives_on_any_text(line: str) -> None:
    assert _outcome(_loads, line) == _outcome(json.loads, line)
