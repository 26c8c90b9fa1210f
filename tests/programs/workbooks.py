"""Spreadsheets for the import tests, built in code: with openpyxl, or as hand-written zips."""

import io
import zipfile
from xml.sax.saxutils import escape

import openpyxl

SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def xlsx(rows, *, path=None, title_rows=(), rtl=False, text_cells=(), percent_cells=(), sheet_title=None):
    """A workbook whose active sheet holds `title_rows`, then `rows` (the first is the header row).

    `text_cells` are coordinates forced to text (a value that starts with "=" stays text).
    """
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if sheet_title:
        sheet.title = sheet_title
    sheet.sheet_view.rightToLeft = rtl
    for row in title_rows:
        sheet.append(list(row))
    for row in rows:
        sheet.append(list(row))
    for coordinate in text_cells:
        sheet[coordinate].data_type = "s"
    for coordinate in percent_cells:
        sheet[coordinate].number_format = "0%"
    return save(workbook, path)


def save(workbook, path=None):
    stream = io.BytesIO()
    workbook.save(stream)
    data = stream.getvalue()
    if path is not None:
        path.write_bytes(data)
        return path
    return io.BytesIO(data)


def cell_xml(reference, value):
    if value is None:
        return ""
    if isinstance(value, int | float):
        return f'<c r="{reference}"><v>{value}</v></c>'
    return f'<c r="{reference}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def sheet_xml(rows, *, dimension="A1", extra_rows="", prolog=""):
    """Sheet XML with inline strings; `rows` is a list of lists, written from row 1."""
    body = []
    for number, row in enumerate(rows, start=1):
        cells = "".join(cell_xml(f"{chr(65 + index)}{number}", value) for index, value in enumerate(row))
        body.append(f'<row r="{number}">{cells}</row>')
    return (
        f'{prolog}<worksheet xmlns="{SHEET_NS}"><dimension ref="{dimension}"/>'
        f"<sheetData>{''.join(body)}{extra_rows}</sheetData></worksheet>"
    )


def raw_xlsx(sheet, *, shared_strings=None, content_type=WORKBOOK_TYPE, extra_members=None):
    """A minimal workbook package written by hand, for files openpyxl would never write."""
    overrides = [
        f'<Override PartName="/xl/workbook.xml" ContentType="{content_type}"/>',
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>',
    ]
    relationships = [
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    ]
    if shared_strings is not None:
        overrides.append(
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
        relationships.append(
            '<Relationship Id="rId2" Target="sharedStrings.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
        )
    members = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>' + "".join(overrides) + "</Types>"
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="xl/workbook.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{SHEET_NS}" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(relationships)
            + "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared_strings is not None:
        members["xl/sharedStrings.xml"] = shared_strings
    members.update(extra_members or {})
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    stream.seek(0)
    return stream


def rewritten(fileobj, *, rename=(), prologs=None):
    """The same package with each part in `rename` ((old name, new name) pairs, references to it
    included) renamed, and each part named in `prologs` given that text before its root element."""
    source = zipfile.ZipFile(fileobj)
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            name, data = info.filename, source.read(info.filename)
            prolog = (prologs or {}).get(name)
            if prolog is not None:
                if data.startswith(b"<?xml"):
                    data = data.split(b"?>", 1)[1]
                data = prolog.encode() + data
            for old, new in rename:
                data = data.replace(old.rsplit("/", 1)[-1].encode(), new.rsplit("/", 1)[-1].encode())
                if name == old:
                    name = new
            archive.writestr(name, data)
    stream.seek(0)
    return stream
