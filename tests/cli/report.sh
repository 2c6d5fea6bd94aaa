#!/bin/sh
# kam report end to end: a generated book (plus an account with a hostile name) is imported,
# segmented twice and valued; the report is written, parsed as XML, rendered by headless
# Chromium (the DOM it built and a screenshot), and every figure the page shows is compared
# with what kam portfolio, tiers, agenda and value print for the same data.
#
# Needs Debian's chromium (scripts/setup-deps.sh installs it). KAM_SKIP_BROWSER=1 runs the rest
# without it; otherwise a missing browser fails the test.
#
# Exit codes (kam report --help): 0 success; 1 runtime error (no database, a file that cannot
# be written); 2 usage error (bad option values, a region without accounts).
. "$(dirname "$0")/lib/common.sh"

DB="$T/db"
D=2026-06-30
WEEKS=8

load_book 300 11
# An account whose name is markup: it buys big after the first segmentation, so it moves C -> A
# and the report lists it among the tier changes.
cat >"$T/evil_accounts.csv" <<'EOF'
id,name,region,owner,created
X0000001,"<script>document.title='pwned'</script> & ""Co"" <img src=x onerror=alert(1)>",north,rep01,2020-01-01
EOF
cat >"$T/evil_orders.csv" <<'EOF'
id,account_id,date,amount
XO000001,X0000001,2026-05-01,900000
EOF
K import accounts "$T/evil_accounts.csv" >/dev/null 2>&1 || { echo "import evil account failed"; exit 1; }
K import orders "$T/evil_orders.csv" >/dev/null 2>&1 || { echo "import evil order failed"; exit 1; }

# ---- before any segmentation: tiers computed now, said in the page ----
expect_exit 0 K report --as-of $D --out "$T/early.html"
expect_in "$T/err" "early.html: 8 regions"
expect_in "$T/early.html" "never segmented"
expect_in "$T/early.html" "No segmentation is stored for this region"
expect_in "$T/early.html" "No value snapshot is stored for this region"

expect_exit 0 K segment --as-of 2026-03-31 --quiet
expect_exit 0 K segment --as-of $D --quiet
expect_exit 0 K value --as-of $D --format csv
cp "$T/out" "$T/value.csv"

# ---- the report ----
expect_exit 0 K report --as-of $D --weeks $WEEKS --out "$T/report.html"
[ -s "$T/out" ] && fail "report --out wrote to stdout" || ok
expect_in "$T/err" "report.html: 8 regions, 301 accounts, as of $D"
[ -f "$T/report.html" ] && ok || fail "no report file"
ls "$T"/report.html.tmp-* >/dev/null 2>&1 && fail "a temporary file was left behind" || ok
# to stdout: the same page, apart from the time it was generated
expect_exit 0 K report --as-of $D --weeks $WEEKS
grep -v 'generated 20' "$T/out" >"$T/stdout.cmp"
grep -v 'generated 20' "$T/report.html" >"$T/file.cmp"
expect_same "$T/stdout.cmp" "$T/file.cmp"

# self-contained: no script, no external resource; the hostile name is text
expect_eq "script elements" "$(grep -ci '<script' "$T/report.html")" 0
expect_eq "external resources" "$(grep -Eci '(src|href)="(https?:)?//' "$T/report.html")" 0
expect_eq "img elements" "$(grep -ci '<img' "$T/report.html")" 0
expect_in "$T/report.html" "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt; &amp; &quot;Co&quot; &lt;img"
expect_in "$T/report.html" "@media print"

# ---- usage and runtime errors ----
expect_exit 2 K report --region nowhere
expect_in "$T/err" 'no accounts in region "nowhere"'
expect_exit 2 K report --weeks 0
expect_exit 2 K report --weeks 53
expect_exit 2 K report --top 0
expect_exit 2 K report --as-of 2026-02-30
expect_exit 2 K report --window-days x
expect_exit 2 K report --out ''
expect_exit 2 K report extra
expect_exit 2 K report --bogus
expect_exit 0 K report --help
expect_in "$T/out" "Usage: kam [--db PATH] report"
expect_exit 1 "$KAM" --db "$T/none" report
expect_exit 1 K report --out "$T/no/such/dir/r.html"
# a write error is a runtime error
if [ -w /dev/full ]; then
	K report --as-of $D >/dev/full 2>"$T/err"
	expect_eq "exit writing to /dev/full" "$?" 1
	expect_in "$T/err" "writing the output failed"
fi
# --out writes into what is not a regular file (a pipe, a symbolic link), never replaces it
mkfifo "$T/fifo"
timeout 60 cat "$T/fifo" >"$T/from-fifo" &
expect_exit 0 K report --as-of $D --out "$T/fifo"
wait
[ -p "$T/fifo" ] && ok || fail "--out replaced a pipe"
expect_in "$T/from-fifo" "</html>"
echo old >"$T/target.html"
ln -s target.html "$T/link.html"
expect_exit 0 K report --as-of $D --out "$T/link.html"
[ -L "$T/link.html" ] && ok || fail "--out replaced a symbolic link"
expect_in "$T/target.html" "</html>"
expect_exit 0 K report --region north --as-of $D --out "$T/north.html"
expect_in "$T/err" "north.html: 1 region, 301 accounts"
expect_exit 0 K report --region '' --as-of $D --out "$T/none.html"
expect_in "$T/none.html" "(no region)"

# ---- the browser: the DOM it built, and a screenshot that is not blank ----
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
# browse N ARGS...: one headless run with a fresh profile N (flags: docs of the machine; the
# background-networking ones keep Chromium from calling out of a closed network)
browse() {
	profile="$T/profile-$1"
	shift
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --window-size=1280,2400 "$@" 2>>"$T/chromium.log"
}
if [ -z "$CHROMIUM" ]; then
	if [ "${KAM_SKIP_BROWSER:-0}" = 1 ]; then
		echo "note: no chromium; browser checks skipped (KAM_SKIP_BROWSER=1)" >&2
		cp "$T/report.html" "$T/dom.html"
	else
		fail "chromium is not installed (scripts/setup-deps.sh installs it; KAM_SKIP_BROWSER=1 skips)"
		finish
		exit 1
	fi
else
	if browse 1 --dump-dom "file://$T/report.html" >"$T/dom.html" && [ -s "$T/dom.html" ]; then ok; else
		fail "chromium --dump-dom failed"
		tail -5 "$T/chromium.log" >&2
	fi
	if browse 2 --screenshot="$T/shot.png" "file://$T/report.html" >/dev/null && [ -s "$T/shot.png" ]; then
		ok
	else
		fail "chromium --screenshot failed"
		tail -5 "$T/chromium.log" >&2
	fi
	# printed: a PDF with at least a page per region besides the overview (the print style
	# sheet starts each region on a new page)
	if browse 3 --no-pdf-header-footer --print-to-pdf="$T/report.pdf" "file://$T/report.html" \
		>/dev/null && [ -s "$T/report.pdf" ]; then
		pages=$(python3 -c 'import re, sys; print(len(re.findall(rb"/Type\s*/Page[^s]", open(sys.argv[1], "rb").read())))' "$T/report.pdf")
		[ "$pages" -ge 9 ] && ok || fail "the printed report has $pages pages, fewer than 1 + 8 regions"
	else
		fail "chromium --print-to-pdf failed"
		tail -5 "$T/chromium.log" >&2
	fi
fi

# ---- the figures: every one shown against the CLI ----
K portfolio --by region --as-of $D --format json >"$T/pf.json" 2>/dev/null || fail "portfolio"
K tiers --format csv >"$T/tiers.csv" 2>/dev/null || fail "tiers"
K agenda --as-of $D --within $((7 * WEEKS - 1)) --format csv >"$T/agenda.csv" 2>/dev/null || fail "agenda"

if python3 - "$KAM" "$DB" "$T" "$WEEKS" <<'EOF'
import csv, json, math, os, struct, subprocess, sys, zlib
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from decimal import Decimal
from fractions import Fraction
from html.parser import HTMLParser

kam, db, T, weeks = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
errors = []
def check(cond, msg):
    if not cond:
        errors.append(msg)

# The file is well-formed XML (so no unclosed or stray markup), with the charts inside.
root = ET.parse(os.path.join(T, "report.html")).getroot()
ns = "{http://www.w3.org/2000/svg}"
svgs = root.findall(".//" + ns + "svg")
check(len(svgs) >= 8 * 3, "svg elements in the file: %d" % len(svgs))

# The DOM as the browser built it: the marked figures (attributes and text), the charts.
class Marks(HTMLParser):
    VOID = ("meta", "br", "img", "link", "input", "hr")
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.marks, self.svgs, self.scripts, self.title = [], [], [], 0, ""
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.scripts += tag == "script"
        if tag == "svg":
            self.svgs.append((a.get("id"), a.get("class")))
        mark = None
        if "data-k" in a:
            mark = {"tag": tag, "a": a, "text": ""}
            self.marks.append(mark)
        if tag not in self.VOID:
            self.stack.append((tag, mark))
    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)
    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass
    def handle_data(self, data):
        tags = [t for t, _ in self.stack]
        if tags[-1:] == ["title"] and "svg" not in tags:
            self.title += data
        for _, mark in reversed(self.stack):  # the innermost marked element owns the text
            if mark:
                mark["text"] += data
                break

dom = open(os.path.join(T, "dom.html"), encoding="utf-8").read()
p = Marks()
p.feed(dom)
check(p.scripts == 0, "script elements in the DOM: %d" % p.scripts)
check(p.title.startswith("Kam report"), "the page title was changed: %r" % p.title)
check("&lt;script&gt;document.title='pwned'&lt;/script&gt; &amp; \"Co\" &lt;img" in dom,
      "the hostile name is not text in the DOM")
ids = {i for i, _ in p.svgs}
classes = Counter(c for _, c in p.svgs)
for k in range(1, 9):
    for what in ("pareto", "roi", "load"):
        check("%s-%d" % (what, k) in ids, "no svg #%s-%d in the DOM" % (what, k))
check(classes["chart pareto"] == 8 and classes["chart heatmap"] == 8 and classes["chart roi"] == 8,
      "chart classes: %s" % dict(classes))
for cls in ('class="axis axis-x"', 'class="axis axis-y"', 'class="legend"', 'class="curve"',
            'class="cut cut-a"', 'class="tick-label"', 'class="axis-title"'):
    check(cls in dom, "the DOM lacks " + cls)

def png_rows(path):
    """Decodes an 8-bit RGB(A) PNG into its rows of pixel bytes."""
    data = open(path, "rb").read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        if typ == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", data[pos + 8:pos + 18])
        elif typ == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    bpp = {2: 3, 6: 4}.get(ctype)
    if depth != 8 or not bpp:
        check(False, "PNG colour type %d depth %d" % (ctype, depth))
        return 0, []
    raw, stride = zlib.decompress(idat), w * bpp
    lo = int.from_bytes(b"\x7f" * stride, "big")
    hi = int.from_bytes(b"\x80" * stride, "big")
    prev, rows = bytes(stride), []
    for y in range(h):
        f, line = raw[y * (stride + 1)], raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)]
        if f == 2:  # up: bytewise (line + prev) mod 256, a whole row at a time
            a, b = int.from_bytes(line, "big"), int.from_bytes(prev, "big")
            line = (((a & lo) + (b & lo)) ^ ((a ^ b) & hi)).to_bytes(stride, "big")
        elif f:
            out = bytearray(line)
            for i in range(stride):
                left = out[i - bpp] if i >= bpp else 0
                up, ul = prev[i], prev[i - bpp] if i >= bpp else 0
                if f == 1:
                    pr = left
                elif f == 3:
                    pr = (left + up) >> 1
                else:
                    pa, pb, pc = abs(up - ul), abs(left - ul), abs(left + up - 2 * ul)
                    pr = left if pa <= pb and pa <= pc else up if pb <= pc else ul
                out[i] = (out[i] + pr) & 255
            line = bytes(out)
        rows.append(line)
        prev = line
    return bpp, rows

# The screenshot is a real rendering: its colours, the text colour and a tier colour on it.
shot = os.path.join(T, "shot.png")
if os.path.exists(shot):
    bpp, rows = png_rows(shot)
    colours = Counter(r[x:x + 3] for r in rows[::3] for x in range(0, len(r), 3 * bpp))
    sampled = sum(colours.values())
    check(len(colours) >= 50, "the screenshot has %d colours: blank?" % len(colours))
    check(colours.most_common(1)[0][1] < sampled * 0.98, "the screenshot is one colour")
    check(colours[b"\x1b\x1b\x1b"] > sampled // 1000, "no text (#1b1b1b) on the screenshot")
    check(any(abs(c[0] - 0xD5) < 6 and abs(c[1] - 0x5E) < 6 and c[2] < 6 for c in colours),
          "no tier A vermillion (#D55E00) on the screenshot")

# What the CLI says.
pf = {}
for line in open(os.path.join(T, "pf.json")):
    row = json.loads(line, parse_float=Decimal)
    pf[None if row["by"] == "total" else row["group"]] = row
tiers = list(csv.DictReader(open(os.path.join(T, "tiers.csv"))))
tier_count = Counter((r["region"], r["tier"]) for r in tiers)
tier_count.update((None, r["tier"]) for r in tiers)  # the book's total row
load = Counter()
for r in csv.DictReader(open(os.path.join(T, "agenda.csv"))):
    od = int(r["overdue_days"])
    load[(r["region"], r["owner"], "overdue" if od > 0 else str((-od) // 7 + 1))] += 1
values = defaultdict(list)
valued = Counter()
for r in csv.DictReader(open(os.path.join(T, "value.csv"))):
    if r["value"] != "":
        values[r["region"]].append((-float(r["value"]), r["account_id"], r["value"]))
        valued[r["region"]] += 1
        check(r["snapshot"] == "3", "value snapshot %s" % r["snapshot"])
diffs = {}
for region in pf:
    if region is None:
        continue
    out = subprocess.run([kam, "--db", db, "tiers", "--diff", "1", "2", "--region", region,
                          "--format", "csv"], capture_output=True, text=True, check=True).stdout
    diffs[region] = list(csv.DictReader(out.splitlines()))
slot = {"A": "A", "B": "B", "C": "C", "": "none"}

def money_shown(text, exact):
    return Decimal(text.replace(",", "")) == Decimal(exact)
def fixed(v, d):
    return "{:,.{}f}".format(float(v), d)
def pct(v):
    return "{:.1f}%".format(float(v) * 100)
def ratio(a, b):
    return float(Fraction(int(Decimal(a) * 10000), int(Decimal(b) * 10000))) if Decimal(b) > 0 else None

seen, value_order = Counter(), defaultdict(list)
for m in p.marks:
    a, text, k = m["a"], m["text"].strip(), m["a"]["data-k"]
    r = a.get("data-r")
    v = a.get("data-v")
    seen[k] += 1
    where = "%s r=%r %s" % (k, r, {x: y for x, y in a.items() if x not in ("class", "data-k", "data-r")})
    row = pf.get(r)
    if row is None:
        errors.append("no portfolio row for " + where)
        continue
    if k in ("accounts",):
        check(v == str(row["accounts"]) and text == fixed(v, 0), where + " vs %s" % row["accounts"])
    elif k == "revenue":
        check(Decimal(v) == row["revenue"] and money_shown(text, v), where + " vs %s" % row["revenue"])
    elif k in ("hhi", "roi", "hours"):
        want = row[k]
        if want is None:
            check(v is None, where + " should be absent")
        else:
            check(float(v) == float(want), where + " vs %s" % want)
            check(text == fixed(v, {"hhi": 1, "hours": 1, "roi": 2}[k]), where + " shown " + text)
    elif k in ("top1-share", "top5-share", "topn-share"):
        col = {"top1-share": "top1_share", "top5-share": "top5_share", "topn-share": "top_n_share"}[k]
        if k == "topn-share":
            check(a.get("data-n") == str(row["top_n"]), where + " N")
        check(float(v) == float(row[col]) and text == pct(v), where + " vs %s" % row[col])
    elif k.startswith("tier-"):
        t = a["data-t"]
        if t == "none":
            errors.append("untiered accounts shown after a segmentation: " + where)
            continue
        pre = t.lower() + "_"
        if k == "tier-accounts":
            check(v == str(row[pre + "accounts"]) and text == fixed(v, 0), where)
            check(int(v) == tier_count[(r, t)], where + " vs kam tiers %d" % tier_count[(r, t)])
        elif k == "tier-revenue":
            check(Decimal(v) == row[pre + "revenue"] and money_shown(text, v), where)
        elif k == "tier-hours":
            check(float(v) == float(row[pre + "hours"]) and text == fixed(v, 1), where)
        elif k == "tier-revenue-share":
            check(float(v) == ratio(row[pre + "revenue"], row["revenue"]) and text == pct(v), where)
        elif k == "tier-roi":
            minutes = round(float(row[pre + "hours"]) * 60)
            if minutes == 0:
                check(v is None, where + " without time")
            else:
                want = float(Fraction(int(row[pre + "revenue"] * 10000) * 60, minutes * 10000))
                check(math.isclose(float(v), want, rel_tol=1e-12), where + " vs %r" % want)
                check(text == fixed(v, 0 if m["tag"] == "text" else 2), where + " shown " + text)
        else:
            errors.append("unknown key " + where)
    elif k.startswith("cut-"):
        na, nb = tier_count[(r, "A")], tier_count[(r, "B")]
        end = na if k.startswith("cut-a") else na + nb
        if k.endswith("-rank"):
            check(v == str(end) and text == fixed(v, 0), where + " vs %d" % end)
        elif k.endswith("-account-share"):
            check(float(v) == end / row["accounts"] and text == pct(v), where)
        else:
            part = row["a_revenue"] + (row["b_revenue"] if k.startswith("cut-b") else 0)
            check(float(v) == ratio(part, row["revenue"]) and text == pct(v), where + " vs revenue of A (+B)")
    elif k in ("load", "load-total"):
        rep = a["data-rep"]
        if k == "load":
            want = load[(r, rep, a["data-w"])]
        else:
            want = sum(n for (rr, pp, _), n in load.items() if rr == r and pp == rep)
        check(v == str(want) and text == v, where + " vs kam agenda %d" % want)
    elif k == "actions":
        want = sum(n for (rr, _, _), n in load.items() if rr == r)
        check(v == str(want) and text == fixed(v, 0), where + " vs %d" % want)
    elif k == "value":
        top = [x[1] for x in sorted(values[r])[:10]]
        exact = {x[1]: x[2] for x in values[r]}
        acc = a["data-a"]
        check(acc in top, where + " not in the top 10 of kam value")
        check(acc in exact and float(v) == float(exact[acc]) and text == fixed(v, 2), where)
        value_order[r].append(acc)
    elif k == "valued":
        check(v == str(valued[r]), where + " vs %d" % valued[r])
    elif k == "value-snapshot":
        check(v == "3" and text == "3", where)
    elif k == "snapshot":
        check(v == "2" and text == "2", where)
    elif k == "prev-snapshot":
        check(v == "1" and text == "1", where)
    elif k == "moves":
        want = sum(1 for d in diffs[r] if slot[d["tier_a"]] == a["data-from"] and slot[d["tier_b"]] == a["data-to"])
        if a["data-from"] != a["data-to"]:
            check(v == str(want), where + " vs kam tiers --diff %d" % want)
        else:
            same = sum(1 for t in tiers if t["region"] == r and slot[t["tier"]] == a["data-to"])
            check(int(v) <= same, where + " unchanged more than the tier holds")
        check(text == fixed(v, 0), where + " shown")
    elif k == "moved":
        check(v == str(len(diffs[r])) and text == fixed(v, 0), where + " vs %d" % len(diffs[r]))
    elif k == "moved-account":
        d = [x for x in diffs[r] if x["account_id"] == a["data-a"]]
        check(len(d) == 1 and slot[d[0]["tier_a"]] == a["data-from"] and slot[d[0]["tier_b"]] == a["data-to"],
              where + " vs kam tiers --diff")
    else:
        errors.append("unknown key " + where)

# Every region shows the whole value ranking in kam value's order, and every move.
for r in diffs:
    got = value_order[r]
    want = [x[1] for x in sorted(values[r])[:10]]
    check(got == want, "value ranking of %r: %s, kam value: %s" % (r, got, want))
    moved = [m["a"]["data-a"] for m in p.marks if m["a"]["data-k"] == "moved-account" and m["a"].get("data-r") == r]
    check(moved == [d["account_id"] for d in diffs[r]], "moved accounts of %r" % r)
check("X0000001" in [m["a"].get("data-a") for m in p.marks if m["a"]["data-k"] == "moved-account"],
      "the hostile account is not among the moves")
for k, n in (("hhi", 8 * 2 + 1), ("load", 8), ("value", 8), ("moves", 8 * 16), ("tier-accounts", 8 * 6),
             ("cut-a-share", 8), ("tier-roi", 8)):
    check(seen[k] >= n, "only %d figures %s" % (seen[k], k))
total = sum(seen.values())
print("report.sh: %d figures compared with the CLI" % total)
for e in errors[:30]:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
EOF
then ok; else fail "figures of the page differ from the CLI (above)"; fi

finish
