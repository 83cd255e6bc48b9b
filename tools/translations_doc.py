"""Write ``doc/translations.rst`` of the DMS modules that override core
translations: which core entries they override, per core module and model,
and every entry whose core translation they correct.

The core translation of an entry is read from the core module's own
``locale/<lang>.po`` (the override's ``msgctxt`` ends with
``<core module>.<XML id>``, the core file's with ``<XML id>``), so no
database is needed.  ``tools/translations.py overrides`` calls it.
"""
import importlib.util
from collections import Counter, defaultdict
from pathlib import Path

import polib


def core_module_path(module):
    spec = importlib.util.find_spec(f'trytond.modules.{module}')
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def core_entries(module, lang):
    "{(msgctxt without module, msgid): msgstr} of the core module's file"
    path = core_module_path(module)
    if path is None or not (path / 'locale' / f'{lang}.po').exists():
        return {}
    return {(e.msgctxt, e.msgid): ('' if 'fuzzy' in e.flags else e.msgstr)
        for e in polib.pofile(str(path / 'locale' / f'{lang}.po'))}


def split(msgctxt):
    "type, name, core module and the core file's msgctxt of an override"
    type_, name, target = msgctxt.split(':', 2)
    core, fs_id = target.split('.', 1)
    return type_, name, core, f'{type_}:{name}:{fs_id}'


def rst_escape(text):
    text = ' '.join(text.split())
    for char in '\\`*|_':
        text = text.replace(char, '\\' + char)
    return text


def write(owner, override_path, doc_path, lang):
    entries = [e for e in polib.pofile(str(override_path))
        if not e.obsolete]
    cores = defaultdict(list)
    for entry in entries:
        cores[split(entry.msgctxt)[2]].append(entry)
    lines = [
        '*' * 21, 'Translation overrides', '*' * 21, '',
        f'The module ships ``locale/override/{lang}.po``: '
        f'{len(entries):,} entries of the core modules that the DMS '
        'screens show, translated into Simplified Chinese and used in place '
        "of the core modules' own translations wherever the language is "
        f'``{lang}``.',
        "An entry is *added* when the core module has no translation of it "
        "(or a fuzzy one, which Tryton does not use), *corrected* when the "
        'core translation is replaced: a wrong meaning ("Phone" as 手机, '
        'the mobile; "Gram" as 加仑, the gallon), a term that is not the '
        'DMS\'s (参与者 for 往来单位), English left untranslated or Western '
        'punctuation.',
        '',
        '``tools/translations.py coverage`` prints the translated and total '
        'entries per core module (``make test`` fails below 100%); '
        '``tools/translations.py overrides`` regenerates the file from a '
        'database (only entries that exist, keeping the translations) and '
        'this page.', '',
        ]
    corrected_all, added_all = [], 0
    for core in sorted(cores):
        reference = core_entries(core, lang)
        per_model = defaultdict(Counter)
        corrected = []
        for entry in cores[core]:
            type_, name, _, key = split(entry.msgctxt)
            model = name.split(',')[0]
            if type_ == 'model' and model == 'ir.message':
                model = 'messages (ir.message)'
            per_model[model]['entries'] += 1
            before = reference.get((key, entry.msgid), '')
            if not before:
                per_model[model]['added'] += 1
                added_all += 1
            elif before != entry.msgstr:
                per_model[model]['corrected'] += 1
                corrected.append((entry, before))
        total = Counter()
        for counts in per_model.values():
            total.update(counts)
        title = f'{core} ({total["entries"]} entries)'
        lines += [title, '=' * len(title), '',
            '.. list-table::', '   :header-rows: 1', '',
            '   * - Model', '     - Entries', '     - Added',
            '     - Corrected']
        for model in sorted(per_model):
            counts = per_model[model]
            lines += [f'   * - ``{model}``', f'     - {counts["entries"]}',
                f'     - {counts["added"]}', f'     - {counts["corrected"]}']
        lines.append('')
        corrected_all += [(core, e, b) for e, b in corrected]
    if corrected_all:
        lines += ['Corrected core translations', '=' * 27, '',
            'The entries whose core translation is replaced, with the core '
            'text and ours.', '',
            '.. list-table::', '   :header-rows: 1', '',
            '   * - Entry', '     - English', '     - Core', '     - DMS']
        for core, entry, before in corrected_all:
            type_, name, _, _ = split(entry.msgctxt)
            lines += [
                f'   * - ``{type_}:{name}`` ({core})',
                f'     - {rst_escape(entry.msgid)}',
                f'     - {rst_escape(before)}',
                f'     - {rst_escape(entry.msgstr)}']
        lines.append('')
    doc_path.write_text('\n'.join(lines))
    return len(entries), added_all, len(corrected_all)
