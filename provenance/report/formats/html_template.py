# ruff: noqa: E501 - HTML markup lines, not Python
"""The HTML report's Jinja2 template: one self-contained page (inline CSS, JS and SVG; no network).

Autoescaping is on: every value is escaped unless marked ``|safe``, which only the matplotlib SVG
figures are (matplotlib escapes the texts it draws).
"""

from __future__ import annotations

STYLE = """
:root { --fg:#1d2430; --muted:#5b6573; --line:#d8dde4; --bg:#f6f8fa; --accent:#1f5fa8; --mark:#ffe08a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       margin: 0 auto; max-width: 1200px; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { border-bottom: 2px solid var(--line);
  padding-bottom: .2rem; margin-top: 2.2rem; } h3 { margin-bottom: .3rem; }
.muted { color: var(--muted); } code, .mono { font-family: ui-monospace, Menlo, Consolas, monospace;
  font-size: .85em; overflow-wrap: anywhere; }
#matches { font-size: .9em; } #matches td { overflow-wrap: anywhere; }
figure.wide { max-width: 640px; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: var(--bg); } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.kv th { width: 16rem; font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: .75rem; }
.card { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; }
.card b { display: block; font-size: 1.4rem; }
.plots { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 1rem; }
.plots figure { margin: 0; } .plots svg { width: 100%; height: auto; }
.absence { border-left: 4px solid var(--accent); background: var(--bg); padding: .6rem .9rem; }
#filter { width: 100%; padding: .45rem .6rem; font-size: 1rem; border: 1px solid var(--line);
  border-radius: 4px; margin: .3rem 0; }
#matches th[data-key] { cursor: pointer; user-select: none; white-space: nowrap; }
#matches th[data-key]::after { content: " \\2195"; color: var(--muted); }
#matches tbody.match:nth-of-type(even) > tr.row { background: #fbfcfd; }
.weak { color: #a15c00; font-weight: 600; } .strong { color: #1a7f37; font-weight: 600; }
details > summary { cursor: pointer; color: var(--accent); }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; margin: .5rem 0; }
.pair > div { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .6rem; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; font-family: ui-monospace, Menlo, monospace;
  font-size: .85rem; }
mark { background: var(--mark); }
@media print { #filter, .noprint { display: none; } .plots { grid-template-columns: 1fr; }
  tbody.match { break-inside: avoid; } }
"""

SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("matches");
  if (!table) { return; }
  var bodies = Array.prototype.slice.call(table.querySelectorAll("tbody.match"));
  var box = document.getElementById("filter");
  var count = document.getElementById("visible-count");
  function applyFilter() {
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    bodies.forEach(function (b) {
      var text = b.textContent.toLowerCase();
      var ok = words.every(function (w) { return text.indexOf(w) !== -1; });
      b.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = String(shown);
  }
  box.addEventListener("input", applyFilter);
  var direction = {};
  Array.prototype.forEach.call(table.querySelectorAll("th[data-key]"), function (th) {
    th.addEventListener("click", function () {
      var key = th.getAttribute("data-key");
      var numeric = th.getAttribute("data-type") === "num";
      var dir = direction[key] = -(direction[key] || 1);
      bodies.sort(function (a, b) {
        var x = a.getAttribute("data-" + key), y = b.getAttribute("data-" + key);
        if (numeric) { x = parseFloat(x); y = parseFloat(y); }
        return (x < y ? -1 : x > y ? 1 : 0) * dir;
      });
      bodies.forEach(function (b) { table.appendChild(b); });
    });
  });
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
  });
  applyFilter();
})();
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Provenance evidence report: {{ out_dir }}</title>
<style>{{ style|safe }}</style>
</head>
<body>
<header>
<h1>Provenance evidence report</h1>
<p class="muted">Evidence in <code>{{ out_dir }}</code>, scanned with provenance {{ s.tool.version }}
from {{ run.started_at or "?" }} to {{ run.finished_at or "?" }}.</p>
</header>

<section id="summary">
<h2>Summary</h2>
<div class="cards">
 <div class="card"><b>{{ "{:,}".format(c.matches) }}</b>matches ({{ "{:,}".format(c.matches_weak) }} weak)</div>
 <div class="card"><b>{{ "{:,}".format(c.items_found) }}</b>licensed items found</div>
 <div class="card"><b>{{ "{:,}".format(sh.matched_records) }}</b>training records with licensed text</div>
 <div class="card"><b>{{ pct(sh.licensed_character_share) }}</b>of the characters are licensed text</div>
 <div class="card"><b>{{ pct(sh.matched_record_share) }}</b>of the records contain licensed text</div>
</div>

<h3>What was scanned</h3>
<table class="kv">
<tr><th>Files</th><td>{{ "{:,}".format(s.files) }} file(s), {{ "{:,}".format(s.bytes) }} bytes</td></tr>
<tr><th>Records</th><td>{{ "{:,}".format(c.records_read) }} read = {{ "{:,}".format(c.scanned) }} scanned
 + {{ "{:,}".format(c.skipped) }} skipped{% if s.skipped_by_reason %} ({% for r, n in s.skipped_by_reason.items()
 %}{{ r }}: {{ n }}{% if not loop.last %}, {% endif %}{% endfor %}){% endif %}</td></tr>
<tr><th>Characters scanned</th><td>{{ "{:,}".format(c.characters_scanned) }}</td></tr>
<tr><th>Candidates</th><td>{{ "{:,}".format(c.candidates) }} (anchors {{ "{:,}".format(c.candidates_by_anchor) }},
 LSH {{ "{:,}".format(c.candidates_by_lsh) }}); verified {{ "{:,}".format(c.verified) }}, rejected
 {{ "{:,}".format(c.rejected) }}, set aside as low-information {{ "{:,}".format(c.set_aside_low_information) }}</td></tr>
<tr><th>Dataset date range</th><td>{{ dataset_dates }}</td></tr>
<tr><th>Scan run</th><td>{{ run.started_at or "?" }} → {{ run.finished_at or "?" }}
 ({{ run.seconds }} s, {{ run.jobs }} job(s), in <code>{{ run.working_directory }}</code>)</td></tr>
</table>
<table>
<thead><tr><th>input file</th><th>format</th><th class="num">bytes</th><th>SHA-256</th></tr></thead>
<tbody>
{% for f in files %}<tr><td><code>{{ f.path }}</code></td><td>{{ f.format }}</td>
<td class="num">{{ "{:,}".format(f.bytes) }}</td><td class="mono">{{ f.sha256 }}</td></tr>
{% endfor %}</tbody></table>
{% if files_hidden %}<p class="muted">… and {{ "{:,}".format(files_hidden) }} more file(s): see
 <code>manifest.json</code> (<code>inputs</code>).</p>{% endif %}

<h3>Against which index</h3>
<table class="kv">
<tr><th>Index</th><td><code>{{ s.index.path }}</code></td></tr>
<tr><th>Index digest (SHA-256 of its manifest)</th><td class="mono">{{ s.index.digest }}</td></tr>
<tr><th>Items</th><td>{{ "{:,}".format(s.index["items"]) }} in {{ s.index.corpora|length }} corpora</td></tr>
<tr><th>Licences</th><td>{{ s.index.licenses|join(", ") }}</td></tr>
<tr><th>Owners</th><td>{{ s.index.owners|join(", ") or "-" }}</td></tr>
</table>
<table>
<thead><tr><th>corpus</th><th>licence</th><th>owner</th><th class="num">items</th><th>acquired</th>
<th>terms</th></tr></thead><tbody>
{% for k in s.index.corpora %}<tr><td>{{ k.name }}</td><td>{{ k.license }}</td><td>{{ k.owner or "-" }}</td>
<td class="num">{{ "{:,}".format(k["items"] or 0) }}</td><td>{{ k.acquired or "-" }}</td>
<td>{{ k.terms_url or "-" }}</td></tr>
{% endfor %}</tbody></table>

<h3>Parameters</h3>
<table class="kv">
<tr><th>Normaliser</th><td>{{ p.normalizer.name }} v{{ p.normalizer.version }}</td></tr>
<tr><th>Shingles</th><td>{{ p.shingles.n }}-grams ({{ p.shingles.scheme }})</td></tr>
<tr><th>MinHash / LSH</th><td>{{ p.minhash.num_perm }} permutations; {{ p.lsh.bands }} bands × {{ p.lsh.rows }} rows,
 threshold {{ p.lsh.threshold }}</td></tr>
{% for k, v in s.parameters.scan|dictsort %}<tr><th>scan: {{ k }}</th><td>{{ param(v) }}</td></tr>
{% endfor %}{% for k, v in s.parameters.reader|dictsort %}<tr><th>reader: {{ k }}</th><td>{{ param(v) }}</td></tr>
{% endfor %}</table>
</section>

<section id="findings">
<h2>Findings</h2>
<h3>By licence</h3>
<table>
<thead><tr><th>licence</th><th>corpora</th><th class="num">items found</th><th class="num">matches</th>
<th class="num">strong</th><th class="num">training records</th><th class="num">licensed characters</th>
<th class="num">share of characters</th><th class="num">share of records</th></tr></thead><tbody>
{% for r in by_license %}<tr><td>{{ r.license }}</td><td>{{ r.corpora|join(", ") or "-" }}</td>
<td class="num">{{ "{:,}".format(r.items_found) }}</td><td class="num">{{ "{:,}".format(r.matches) }}</td>
<td class="num">{{ "{:,}".format(r.strong_matches) }}</td><td class="num">{{ "{:,}".format(r.records_matched) }}</td>
<td class="num">{{ "{:,}".format(r.licensed_characters) }}</td><td class="num">{{ pct(r.character_share) }}</td>
<td class="num">{{ pct(r.record_share) }}</td></tr>
{% endfor %}</tbody></table>
<h3>By corpus</h3>
<table>
<thead><tr><th>corpus</th><th>licence</th><th>owner</th><th class="num">items indexed</th>
<th class="num">items found</th><th class="num">share of the corpus found</th><th class="num">matches</th>
<th class="num">training records</th></tr></thead><tbody>
{% for r in by_corpus %}<tr><td>{{ r.corpus }}</td><td>{{ r.license }}</td><td>{{ r.owner or "-" }}</td>
<td class="num">{{ "{:,}".format(r["items"] or 0) }}</td><td class="num">{{ "{:,}".format(r.items_found) }}</td>
<td class="num">{{ pct(r.share_found) }}</td><td class="num">{{ "{:,}".format(r.matches) }}</td>
<td class="num">{{ "{:,}".format(r.records_matched) }}</td></tr>
{% endfor %}</tbody></table>
<p class="muted">Matched items' creation dates: {% if item_dates.first %}{{ item_dates.first }} to
 {{ item_dates.last }} ({{ item_dates.items_with_date }} item(s) with a date,
 {{ item_dates.items_without_date }} without){% else %}none known{% endif %}.
 Dataset date range: {{ dataset_dates }}.</p>
<div class="plots">
<figure>{{ plots.scores|safe }}</figure>
<figure>{{ plots.per_license|safe }}</figure>
<figure>{{ plots.item_dates|safe }}</figure>
<figure>{{ plots.per_shard|safe }}</figure>
</div>
</section>

<section id="coverage">
<h2>Coverage: what this scan could have missed</h2>
{% if coverage.absence %}<p class="absence"><strong>{{ coverage.absence }}</strong></p>{% endif %}
<ul>{% for line in coverage.statements %}<li>{{ line }}</li>{% endfor %}</ul>
<figure class="wide">{{ plots.coverage|safe }}</figure>
</section>

<section id="match-table">
<h2>Matches</h2>
<p>Showing the strongest {{ "{:,}".format(shown|length) }} of {{ "{:,}".format(c.matches) }} match(es)
 (strong before weak, then by containment and specificity).
 {% if shown|length < c.matches %}The complete table is <code>{{ out_dir }}/matches.parquet</code>
 (or <code>provenance report {{ out_dir }} --format json</code>).{% endif %}</p>
{% if shown %}
<input id="filter" type="search" placeholder="Filter matches: words in any column or text" aria-label="Filter matches">
<p class="muted noprint"><span id="visible-count">{{ shown|length }}</span> match(es) visible; click a column
 header to sort.</p>
<table id="matches">
<thead><tr>
<th data-key="rank" data-type="num" class="num">#</th><th data-key="strength">evidence</th>
<th data-key="corpus">corpus</th><th data-key="item">item</th><th data-key="license">licence</th>
<th data-key="record">training record</th><th data-key="kind">kind</th>
<th data-key="containment" data-type="num" class="num">containment</th>
<th data-key="jaccard" data-type="num" class="num">Jaccard</th>
<th data-key="coverage" data-type="num" class="num">coverage</th>
<th data-key="specificity" data-type="num" class="num">specificity</th>
<th data-key="created" >item date</th>
</tr></thead>
{% for m in shown %}<tbody class="match" data-rank="{{ loop.index }}" data-strength="{{ m.strength }}"
 data-corpus="{{ m.corpora|join(", ") }}" data-item="{{ m.item_id }}" data-license="{{ m.licenses|join(", ") }}"
 data-record="{{ m.dataset_file }}:{{ '%012d'|format(m.dataset_row) }}" data-kind="{{ m.kind }}"
 data-containment="{{ m.containment }}" data-jaccard="{{ m.jaccard }}" data-coverage="{{ m.coverage }}"
 data-specificity="{{ m.specificity }}" data-created="{{ m.item_created_at or '' }}">
<tr class="row"><td class="num">{{ loop.index }}</td><td class="{{ m.strength }}">{{ m.strength }}</td>
<td>{{ m.corpus }}{% if m.also_held_by %} (also held by {{ m.also_held_by|join(", ") }}){% endif %}</td><td class="mono">{{ m.item_id }}</td><td>{{ m.licenses|join(", ") }}</td>
<td class="mono" title="{{ m.dataset_file }}">{{ m.file_name }}:{{ m.dataset_row }}{% if m.dataset_doc_id %} ({{ m.dataset_doc_id }}){% endif %}</td>
<td>{{ m.kind }}</td><td class="num">{{ "%.3f"|format(m.containment) }}</td>
<td class="num">{{ "%.3f"|format(m.jaccard) }}</td><td class="num">{{ "%.3f"|format(m.coverage) }}</td>
<td class="num">{{ m.specificity }}</td><td title="{{ m.item_created_at or '' }}">{{ (m.item_created_at or "-")[:10] }}</td></tr>
<tr class="detail"><td colspan="12"><details><summary>side by side</summary>
<div class="pair">
<div><h4>Licensed text</h4><div class="text">{{ m.item_before }}<mark>{{ m.item_copy }}</mark>{{ m.item_after }}</div>
<p class="muted">characters {{ m.item_start }}–{{ m.item_end }}; author {{ m.item_author or "unknown" }};
 created {{ m.item_created_at or "unknown" }}; {% if m.safe_url %}<a href="{{ m.safe_url }}" rel="noopener noreferrer">{{ m.item_url }}</a>{% else %}url {{ m.item_url or "unknown" }}{% endif %};
 owner {{ m.owners|join(", ") or "-" }}; content hash <code>{{ m.item_content_hash }}</code></p></div>
<div><h4>Training text</h4><div class="text">{% if m.snippet_start %}…{% endif %}{{ m.doc_before }}<mark>{{ m.doc_copy }}</mark>{{ m.doc_after }}…</div>
<p class="muted"><code>{{ m.dataset_file }}</code> record {{ m.dataset_row }}; characters {{ m.doc_start }}–{{ m.doc_end }}{% if m.dataset_line %}; line {{ m.dataset_line }}{% endif %};
 record SHA-256 <code>{{ m.doc_sha256 }}</code></p></div>
</div>
<p class="muted">{{ m.shared_shingles }} of {{ m.item_shingles }} shingles shared ({{ m.item_tokens }} words);
 specificity {{ m.specificity }} (rare shared shingles); the item matched {{ m.item_matches }} record(s);
 {% if m.weak %}<span class="weak">weak evidence</span> (few rare shingles or a very frequent item){% else %}<span class="strong">strong evidence</span>{% endif %}.</p>
</details></td></tr>
</tbody>
{% endfor %}</table>
{% else %}<p>No match was found.</p>{% endif %}
</section>

<section id="custody">
<h2>Chain of custody</h2>
<table class="kv">
{% for name, t in custody.evidence_tables.items() %}<tr><th>{{ name }}</th><td class="mono">{{ t.sha256 }}
 {% if t.matches_manifest %}<span class="strong">(matches the manifest)</span>{% else %}<span class="weak">(manifest says
 {{ t.manifest_sha256 }})</span>{% endif %}</td></tr>
{% endfor %}<tr><th>Evidence digest of this report's tables</th><td class="mono">{{ custody.evidence_digest }}</td></tr>
<tr><th>How the digest is computed</th><td>{{ custody.evidence_digest_method }}</td></tr>
<tr><th>manifest.json SHA-256</th><td class="mono">{{ manifest_sha256 or "-" }}</td></tr>
<tr><th>manifest SHA-256 without <code>run</code></th><td class="mono">{{ custody.manifest_sha256_without_run }}</td></tr>
<tr><th>Index digest</th><td class="mono">{{ custody.index_digest }}</td></tr>
<tr><th>Re-verify every match from the raw files</th><td><code>{{ custody.verify_command }}</code></td></tr>
</table>
<p class="muted">Input file hashes are listed in <a href="#summary">the summary</a>. <code>provenance verify</code>
 hashes the index and every scanned file, compares them with the manifest, then recomputes every match.</p>
</section>
<footer class="muted"><p>Generated by provenance {{ version }} (report schema {{ schema_version }}).</p></footer>
<script>{{ script|safe }}</script>
</body>
</html>
"""
