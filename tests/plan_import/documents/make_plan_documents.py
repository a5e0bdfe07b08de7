#!/usr/bin/python3
"""Writes a plan as a Word file, an Excel workbook and a web page, the way
offices publish them, from a plan model (JSON): real tables with merged
cells, written by Debian's python3-docx and python3-openpyxl (HTML by
template), so the importer's readers are tested on files made by other code.

Model: {"title": str, "before": [str], "after": [str], "header": [str],
        "rows": [[cell, ...]], "tables": [[row index where a table starts]]}
A cell is a string (lines split on "\n" become paragraphs / <br>), or
{"text": str, "span": n} (spans n columns), or {"merge_up": true} (merged
with the cell above: vMerge, rowspan, a merged range), or null (empty).
Between tables, "between": {row index: [paragraphs]}.

Also: `from-parse JSON` turns `duban plan import --dry-run --json` output
into a model with section rows spanning the table, so a sample plan can be
re-published in every format and its parse compared.

Usage: make_plan_documents.py MODEL.json OUTDIR   (writes plan.docx, plan.xlsx, plan.html)
       make_plan_documents.py --from-parse PARSE.json MODEL.json
"""
import html
import json
import os
import sys

HEADER = ["序号", "工作任务", "具体内容", "牵头单位", "责任单位", "完成时限"]


def from_parse(parse):
    rows = []
    path = []
    for t in parse["tasks"]:
        sec = t["section"]
        common = 0
        while common < min(len(sec), len(path)) and sec[common] == path[common]:
            common += 1
        for h in sec[common:]:
            rows.append([{"text": h, "span": len(HEADER)}])
        path = sec
        title = t["title"]
        content = t["content"]
        # A title the importer derived from the text is not written as one.
        if title.endswith("…") or content.startswith(title):
            title = None
        rows.append([str(t["number"]), title, content, "、".join(t["lead_units"]) or None,
                     "、".join(t["responsible_units"]) or None, t["deadline"]["text"] or None])
    before = [parse["plan"]["title"]]
    if parse["plan"]["doc_number"]:
        before.append(parse["plan"]["doc_number"])
    return {"title": parse["plan"]["title"], "before": before, "after": [], "header": HEADER, "rows": rows}


def grid(model):
    """Rows as (text, colspan, merge_up) per grid column start."""
    out = []
    for r in [model["header"]] + model["rows"]:
        row = []
        for c in r:
            if isinstance(c, dict) and c.get("merge_up"):
                row.append(("", 1, True))
            elif isinstance(c, dict):
                row.append((c["text"], c.get("span", 1), False))
            else:
                row.append((c or "", 1, False))
        out.append(row)
    return out


def table_starts(model):
    starts = sorted(set([0] + [s + 1 for s in model.get("tables", [])]))  # +1: the header is grid row 0
    return starts


def write_docx(model, path):
    import docx
    d = docx.Document()
    for p in model["before"]:
        d.add_paragraph(p)
    g = grid(model)
    width = len(model["header"])
    starts = table_starts(model) + [len(g)]
    between = {int(k): v for k, v in model.get("between", {}).items()}
    for ti in range(len(starts) - 1):
        lo, hi = starts[ti], starts[ti + 1]
        if ti > 0:
            for p in between.get(lo - 1, []):
                d.add_paragraph(p)
        t = d.add_table(rows=0, cols=width)
        t.style = "Table Grid"
        cells_by_row = []
        for ri in range(lo, hi):
            row = t.add_row()
            cells_by_row.append(row.cells)
            col = 0
            for text, span, merge_up in g[ri]:
                cell = row.cells[col]
                if merge_up:
                    above = cells_by_row[-2][col]
                    above.merge(cell)
                else:
                    lines = text.split("\n")
                    cell.text = lines[0]
                    for more in lines[1:]:
                        cell.add_paragraph(more)
                    if span > 1:
                        cell.merge(row.cells[col + span - 1])
                col += span
    for p in model["after"]:
        d.add_paragraph(p)
    d.save(path)


def write_xlsx(model, path):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "任务分解表"
    width = len(model["header"])
    r = 1
    for p in model["before"]:
        ws.cell(row=r, column=1, value=p)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        r += 1
    g = grid(model)
    starts = table_starts(model)
    between = {int(k): v for k, v in model.get("between", {}).items()}
    for ri, row in enumerate(g):
        if ri in starts and ri > 0:
            # A sheet is one table: what stood between tables is a row of its own.
            for p in between.get(ri - 1, []):
                ws.cell(row=r, column=1, value=p)
                r += 1
        col = 1
        for text, span, merge_up in row:
            if merge_up:
                # Extend the range of the cell above, or start one there.
                top = r - 1
                for rng in list(ws.merged_cells.ranges):
                    if rng.min_col == col and rng.max_col == col and rng.max_row == r - 1:
                        top = rng.min_row
                        ws.unmerge_cells(str(rng))
                ws.merge_cells(start_row=top, start_column=col, end_row=r, end_column=col)
            else:
                if text:
                    ws.cell(row=r, column=col, value=int(text) if text.isdigit() and col == 1 else text)
                if span > 1:
                    ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=col + span - 1)
            col += span
        r += 1
    for p in model["after"]:
        ws.cell(row=r, column=1, value=p)
        r += 1
    wb.save(path)


def write_html(model, path):
    g = grid(model)
    starts = table_starts(model) + [len(g)]
    between = {int(k): v for k, v in model.get("between", {}).items()}
    out = ["<!DOCTYPE html>", '<html><head><meta charset="utf-8"><title>%s</title>' % html.escape(model["title"]),
           "<style>td{border:1px solid}</style><script>var x = '<table><tr><td>序号</td><td>牵头单位</td></tr></table>';</script>",
           "</head><body>", '<div class="nav">首页 &gt; 政务公开 &gt; 计划总结</div>']
    for p in model["before"]:
        out.append("<p>%s</p>" % html.escape(p))
    for ti in range(len(starts) - 1):
        lo, hi = starts[ti], starts[ti + 1]
        if ti > 0:
            for p in between.get(lo - 1, []):
                out.append("<p>%s</p>" % html.escape(p))
        out.append('<table border="1">')
        # rowspan: count how many rows below merge up into each cell.
        for ri in range(lo, hi):
            out.append("<tr>")
            col = 0
            for text, span, merge_up in g[ri]:
                if merge_up:
                    col += span
                    continue
                down = 1
                while ri + down < hi and col_merge_up(g[ri + down], col):
                    down += 1
                attrs = ""
                if span > 1:
                    attrs += ' colspan="%d"' % span
                if down > 1:
                    attrs += ' rowspan="%d"' % down
                tag = "th" if ri == 0 else "td"
                body = "<br>".join(html.escape(x) for x in text.split("\n"))
                out.append("<%s%s>%s</%s>" % (tag, attrs, body, tag))
                col += span
            out.append("</tr>")
        out.append("</table>")
    for p in model["after"]:
        out.append("<p>%s</p>" % html.escape(p))
    out.append("</body></html>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


def col_merge_up(row, col):
    c = 0
    for text, span, merge_up in row:
        if c == col:
            return merge_up
        c += span
    return False


def main():
    if sys.argv[1] == "--from-parse":
        with open(sys.argv[2], encoding="utf-8") as f:
            model = from_parse(json.load(f))
        with open(sys.argv[3], "w", encoding="utf-8") as f:
            json.dump(model, f, ensure_ascii=False, indent=1)
        return
    with open(sys.argv[1], encoding="utf-8") as f:
        model = json.load(f)
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    write_docx(model, os.path.join(out, "plan.docx"))
    write_xlsx(model, os.path.join(out, "plan.xlsx"))
    write_html(model, os.path.join(out, "plan.html"))


if __name__ == "__main__":
    main()
