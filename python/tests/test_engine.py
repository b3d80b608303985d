"""Engine: interning, append, append_many, snapshot, lifecycle, errors.

Expected counts come from a plain Python aggregation of the same rows
(``aggregate`` below), never from tally."""
import array
import collections
import random

import pytest

import tally

LEVELS = ("none", "note", "warning", "error")


def make_rows(e, n, seed=1, dup_share=0.2):
    """n rows of ids (tool, rule, file, message, line, column, offset, level,
    suppressed) with some exact duplicates; a row's level and suppression
    are functions of its key, so duplicates agree on them."""
    rnd = random.Random(seed)
    tools = [e.tool("tool%d" % i) for i in range(3)]
    rules = [e.string("rule", "R%d" % i) for i in range(7)]
    files = [e.string("file", "src/f%d.c" % i) for i in range(11)]
    msgs = [e.string("message", "message %d" % i) for i in range(5)]
    rows = []
    for _ in range(n):
        if rows and rnd.random() < dup_share:
            rows.append(rnd.choice(rows))
            continue
        key = (rnd.choice(tools), rnd.choice(rules), rnd.choice(files), rnd.choice(msgs),
               rnd.randrange(1, 500), rnd.randrange(0, 80), rnd.choice((0, 0, 7, 1 << 40)))
        h = hash(key)
        rows.append(key + (h % 4, int(h % 13 == 0)))
    return rows


def aggregate(e, rows):
    """The snapshot tally should give for rows, computed with dicts."""
    seen = set()
    out = {"read": len(rows), "unique": 0, "suppressed": 0}
    levels = collections.Counter()
    by = {k: collections.Counter() for k in ("tool", "rule", "file", "file_rule")}
    for row in rows:
        key = row[:7] + (row[8],)
        if key in seen:
            continue
        seen.add(key)
        if row[8]:
            out["suppressed"] += 1
            continue
        out["unique"] += 1
        tool, rule, file = (e.lookup(k, i) for k, i in zip(("tool", "rule", "file"), row[:3]))
        levels[LEVELS[row[7]]] += 1
        by["tool"][tool] += 1
        by["rule"][(tool, rule)] += 1
        by["file"][file] += 1
        by["file_rule"][(file, rule)] += 1
    out["duplicates"] = out["read"] - out["unique"] - out["suppressed"]
    return out, {lv: levels[lv] for lv in LEVELS}, by


def check_snapshot(e, rows):
    snap = e.snapshot()
    totals, levels, by = aggregate(e, rows)
    assert snap["totals"] == totals
    assert snap["by_level"] == levels
    for k in by:
        assert snap["by_" + k] == dict(by[k]), k
    return snap


def columns(rows):
    """rows as a dict of array.array columns for append_many."""
    names = ("tool", "rule", "file", "message", "line", "column", "offset", "level", "suppressed")
    codes = "IIIIIIQBB"
    return {n: array.array(c, [r[i] for r in rows]) for i, (n, c) in enumerate(zip(names, codes))}


def test_interning_round_trip(engine):
    t = engine.tool("cppcheck", "2.10")
    assert engine.tool("cppcheck") == t
    assert engine.tool_version(t) == "2.10"
    ids = [engine.string("file", "f%d" % i) for i in range(5)]
    assert ids == list(range(5))  # dense, from 0, first-seen order
    assert engine.string("file", "f3") == 3
    assert engine.string("rule", "f3") == 0  # kinds are separate namespaces
    assert engine.string_count("file") == 5
    odd = b"a\x00b\xff"  # NUL and a byte that is not UTF-8
    m = engine.string("message", odd)
    assert engine.lookup("message", m) == odd.decode("utf-8", "surrogateescape")
    assert engine.string("message", engine.lookup("message", m)) == m
    with pytest.raises(KeyError):
        engine.lookup("rule", 99)
    with pytest.raises(ValueError):
        engine.string("tool", "x")


def test_append_single(engine):
    rows = make_rows(engine, 300)
    for r in rows:
        engine.append(*r[:4], line=r[4], column=r[5], offset=r[6], level=LEVELS[r[7]],
                      suppressed=bool(r[8]))
    check_snapshot(engine, rows)


def test_append_strings_are_interned(engine):
    engine.append("t", "R", "a.c", "m", line=1, level="error")
    engine.append("t", "R", "a.c", "m", line=1, level="error")
    snap = engine.snapshot()
    assert snap["totals"]["unique"] == 1 and snap["totals"]["duplicates"] == 1
    assert snap["by_rule"] == {("t", "R"): 1} and snap["by_level"]["error"] == 1


def test_append_many_array(engine):
    rows = make_rows(engine, 5000)
    assert engine.append_many(**columns(rows)) == 5000  # 79 batches of 64
    check_snapshot(engine, rows)


def test_append_many_memoryview_and_bytes(engine):
    rows = make_rows(engine, 1000)
    cols = columns(rows)
    cols["tool"] = memoryview(cols["tool"])
    cols["rule"] = memoryview(cols["rule"]).cast("B")  # raw bytes, native order
    cols["file"] = cols["file"].tobytes()
    cols["message"] = bytearray(cols["message"].tobytes())
    engine.append_many(**cols)
    check_snapshot(engine, rows)


def test_append_many_numpy(engine):
    np = pytest.importorskip("numpy")
    rows = make_rows(engine, 5000)
    a = np.array(rows, dtype=np.uint64)
    cols = {n: a[:, i].astype(np.uint32) for i, n in
            enumerate(("tool", "rule", "file", "message", "line", "column"))}
    cols["offset"] = a[:, 6].copy()
    cols["level"] = a[:, 7].astype(np.uint8)
    cols["suppressed"] = a[:, 8].astype(bool)
    engine.append_many(**cols)
    check_snapshot(engine, rows)


def test_append_many_scalars_broadcast(engine):
    t = engine.tool("only")
    rows = [(t,) + r[1:4] + (42, 0, 0, 3, 0) for r in make_rows(engine, 700)]
    cols = columns(rows)
    engine.append_many(tool=t, rule=cols["rule"], file=cols["file"], message=cols["message"],
                       line=42, level="error")
    check_snapshot(engine, rows)


def test_append_many_suppressed_scalar(engine):
    rows = [r[:7] + (2, 1) for r in make_rows(engine, 200)]
    cols = columns(rows)
    del cols["level"], cols["suppressed"]
    engine.append_many(suppressed=True, **cols)
    check_snapshot(engine, rows)


def test_append_many_rejects_bad_columns(engine):
    rows = make_rows(engine, 10)
    cols = columns(rows)
    with pytest.raises(TypeError):  # signed
        engine.append_many(**dict(cols, line=array.array("i", [1] * 10)))
    with pytest.raises(TypeError):  # 8-byte ids
        engine.append_many(**dict(cols, tool=array.array("Q", [0] * 10)))
    with pytest.raises(ValueError):  # lengths differ
        engine.append_many(**dict(cols, line=array.array("I", [1] * 9)))
    with pytest.raises(ValueError):  # no buffer at all
        engine.append_many(0, 0, 0, 0)
    with pytest.raises(ValueError):  # raw bytes not a multiple of 4
        engine.append_many(**dict(cols, file=b"\0" * 39))
    assert engine.snapshot()["totals"]["read"] == 0


def test_append_many_out_of_range_chunk(engine):
    rows = make_rows(engine, 200, dup_share=0)
    cols = columns(rows)
    cols["rule"][100] = 10**6  # never handed out: the second chunk of 64 fails
    with pytest.raises(tally.OutOfRangeError) as ei:
        engine.append_many(**cols)
    assert ei.value.status == -5 and isinstance(ei.value, ValueError)
    assert str(ei.value) == tally.strerror(-5)
    check_snapshot(engine, rows[:64])


def test_filters():
    with tally.Engine(min_level="warning", path_glob="src/*.c") as e:
        rows = make_rows(e, 400)
        e.append_many(**columns(rows))
        snap = e.snapshot()
        kept = [r for r in rows if r[7] >= 2 and e.lookup("file", r[2]).endswith(".c")]
        assert snap["totals"] == aggregate(e, kept)[0]


def test_close_and_context_manager():
    with tally.Engine() as e:
        e.append("t", "r", "f", "m")  # held in a batch until close
        assert not e.closed
    assert e.closed
    with pytest.raises(tally.EngineStateError):
        e.snapshot()
    with pytest.raises(tally.EngineStateError):
        e.tool("x")
    e.close()  # a second close does nothing


def test_bad_config():
    with pytest.raises(tally.InvalidArgumentError) as ei:
        tally.Engine(batch_capacity=100)  # not a multiple of 64
    assert ei.value.status == -1 and ei.value.family == -1
    with pytest.raises(ValueError):
        tally.Engine(min_level="fatal")


def test_status_texts():
    for code, cls in ((-1, tally.InvalidArgumentError), (-7, tally.InputError),
                      (-8, tally.ParseError), (-9, tally.FormatError)):
        assert tally.strerror(code) and tally.strerror(code) != tally.strerror(0)
        assert issubclass(cls, tally.Error)
