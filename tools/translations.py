#!/usr/bin/env python3
"""Maintain the Simplified Chinese translations of the DMS modules.

    tools/translations.py update [--keep DIR]   export and merge the .po files
    tools/translations.py check                 report coverage, exit 1 if any
                                                entry is untranslated or fuzzy

``update`` builds a throwaway SQLite database in a temporary directory
(``trytond-admin --all``, then the DMS modules with their dependencies and
zh_CN made translatable), exports each module's translations with
``trytond-admin --export-translations`` and merges the result into
``addons/<module>/locale/zh_CN.po``: the msgstr of every entry whose
msgctxt and msgid still exist is kept, new entries are added untranslated
and obsolete entries are dropped.  It takes about 30 seconds.

``check`` needs no database: it only reads the .po files, so the total it
reports is the set of strings known at the last ``update``.  Run ``update``
first after changing models, views, XML records or messages.

    tools/translations.py overrides [--keep DIR]  write the override files
    tools/translations.py coverage                report the DMS modules and
                                                  the overridden core entries
    tools/translations.py doc                     list them in the modules'
                                                  doc/translations.rst

``overrides`` builds the same database and writes, for each DMS module
named in ``OVERRIDES``, ``addons/<module>/locale/override/zh_CN.po``: the
entries of the core modules (Tryton's ``sale``, ``party``...) that the DMS
screens show, as Tryton's translation overrides (``msgctxt`` ending with
``<core module>.<XML id>``).  Only entries that exist in the database are
written (an override of a missing entry stops the module's installation).
A new entry starts with the core translation (its import then changes
nothing); the ones already in the file keep their ``msgstr``, which is
where wrong core translations are corrected and missing ones added.  An
override that keeps a fuzzy core translation as it is confirms it (Tryton
alone would leave it fuzzy, so unused: dms_dealer's ``ir.translation``
clears the flag).
``coverage`` reads the .po files and prints, per module and language,
translated / total entries: the DMS modules and, per core module, the
entries of the override files.  ``doc`` (also run by ``overrides``) writes
``doc/translations.rst`` of these modules: the overridden entries per core
module and model, and each corrected core translation.
"""
import argparse
import importlib.util
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import polib

import translations_doc

ROOT = Path(__file__).resolve().parent.parent
MODULES = [
    'dms_dealer', 'dms_portal', 'dms_communication', 'dms_orders',
    'dms_campaigns', 'dms_reports']
LANG = 'zh_CN'
DB = 'translations'


# The core entries the DMS screens show, overridden by a DMS module that
# depends on their module: {DMS module: {core module: name prefixes}}, None
# for every entry of the core module.  The messages (ir.message) of a core
# module are always in.
OVERRIDES = {
    'dms_dealer': {
        'party': None,
        'company': None,
        'product': None,
        'product_price_list': None,
        'account_credit_limit': None,
        'country': ['country.country', 'country.subdivision'],
        'currency': ['currency.currency'],
        },
    'dms_portal': {
        'web_user': None,
        },
    'dms_orders': {
        'carrier': None,
        'product_image': None,
        'sale': None,
        'sale_price_list': None,
        'stock': ['stock.shipment.out', 'stock.move', 'stock.location',
            'stock.product_quantities_warehouse'],
        },
    'dms_campaigns': {
        'sale_promotion': None,
        'marketing_campaign': None,
        'marketing': None,
        },
    }


# The types of entries that Tryton overrides by their source
SOURCE_TYPES = {'report', 'view', 'wizard_button', 'selection'}


def po_path(module):
    return ROOT / 'addons' / module / 'locale' / f'{LANG}.po'


def override_path(module):
    return ROOT / 'addons' / module / 'locale' / 'override' / f'{LANG}.po'


def key(entry):
    return (entry.msgctxt, entry.msgid)


def translated(entry):
    if 'fuzzy' in entry.flags:
        return False
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def admin(*args, env):
    binary = Path(sys.executable).with_name('trytond-admin')
    command = [str(binary if binary.exists() else 'trytond-admin'),
        '-d', DB, *args]
    print('$', ' '.join(command[1:]), file=sys.stderr)
    subprocess.run(command, env=env, check=True, stdin=subprocess.DEVNULL)


def merge(module, old):
    "Merge the msgstr of the old entries into the freshly exported file"
    path = po_path(module)
    if not path.exists():  # no translatable string in the module
        # trytond-admin removes the file of a module without strings: keep
        # the header-only file the module ships (its translation test reads
        # it and polib cannot open a missing file)
        if old.fpath or old.metadata or old.header:
            empty = polib.POFile(wrapwidth=78)
            empty.header = old.header
            empty.metadata = dict(old.metadata)
            empty.save(str(path))
            print(f'{module}: 0 entries, {len(old)} dropped',
                file=sys.stderr)
        return
    new = polib.pofile(str(path), wrapwidth=78)
    previous = {key(e): e for e in old if not e.obsolete and translated(e)}
    for entry in new:
        kept = previous.get(key(entry))
        if kept:
            entry.msgstr = kept.msgstr
            entry.msgstr_plural = dict(kept.msgstr_plural)
            if 'fuzzy' in entry.flags:
                entry.flags.remove('fuzzy')
        else:
            # A new string, or a changed one: the database exports the
            # translation of the old string for it, which no longer fits
            entry.msgstr = ''
            entry.msgstr_plural = {
                k: '' for k in entry.msgstr_plural}
            if 'fuzzy' in entry.flags:
                entry.flags.remove('fuzzy')
    new.save()
    added = len({key(e) for e in new} - {key(e) for e in old})
    dropped = len({key(e) for e in old} - {key(e) for e in new})
    print(f'{module}: {len(new)} entries, {added} new, {dropped} dropped',
        file=sys.stderr)


def update(keep=None):
    for module in MODULES:
        spec = importlib.util.find_spec(module)
        import_path = spec.origin if spec else None
        if not spec or Path(import_path).parent != ROOT / 'addons' / module:
            sys.exit(f'{module} is imported from {import_path}, '
                f'not from {ROOT / "addons"}')
    old = {m: polib.pofile(str(po_path(m))) if po_path(m).exists()
        else polib.POFile() for m in MODULES}

    directory = keep or tempfile.mkdtemp(prefix='dms-translations-')
    os.makedirs(directory, exist_ok=True)
    try:
        # trytond-admin writes the export over addons/<module>/locale/
        build(directory, '--export-translations')
    except BaseException:
        for module, pofile in old.items():  # do not lose the translations
            if len(pofile) or pofile.fpath:
                pofile.save(str(po_path(module)))
        raise
    finally:
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)
    for module in MODULES:
        merge(module, old[module])


def build(directory, *options):
    """The translation database in directory, with the DMS modules in zh_CN
    (options: more options of the trytond-admin call that installs them)"""
    Path(directory, f'{DB}.sqlite').touch()
    password = Path(directory, 'password')
    password.write_text('admin')
    env = {k: v for k, v in os.environ.items()
        if not k.startswith('TRYTOND')}
    env.update(TRYTOND_DATABASE__URI='sqlite://',
        TRYTOND_DATABASE__PATH=directory, TRYTONPASSFILE=str(password))
    admin('--all', '--email', 'admin@example.com', env=env)
    admin('-u', *MODULES, '--activate-dependencies', '-l', LANG, *options,
        env=env)
    return Path(directory, f'{DB}.sqlite')


def in_scope(name, prefixes, model=None):
    """Whether the entry name is one of the prefixes' models (model: the
    model of a button, whose entries are named ir.model.button)"""
    if prefixes is None or name.startswith('ir.message,'):
        return True
    model = model or name.split(',')[0]
    return any(model == p or model.startswith(p + '.') for p in prefixes)


def overrides(keep=None):
    directory = keep or tempfile.mkdtemp(prefix='dms-translations-')
    os.makedirs(directory, exist_ok=True)
    try:
        database = build(directory)
        connection = sqlite3.connect(database)
        fs_ids = {}
        for module, model, db_id, fs_id in connection.execute(
                'SELECT module, model, db_id, fs_id FROM ir_model_data'):
            fs_ids[module, model, db_id] = fs_id
        # The buttons of a model in scope (their labels, confirmations and
        # help) are in scope
        buttons = dict(connection.execute(
                'SELECT id, model FROM ir_model_button'))
        for owner, cores in OVERRIDES.items():
            path = override_path(owner)
            old = {}
            if path.exists():
                old = {key(e): e for e in polib.pofile(str(path))
                    if not e.obsolete}
            pofile = polib.POFile(wrapwidth=78)
            pofile.metadata = {
                'Content-Type': 'text/plain; charset=utf-8'}
            for core, prefixes in sorted(cores.items()):
                # The entries the DMS modules override already are in the
                # database with their override: they are in the files
                rows = connection.execute(
                    'SELECT type, name, res_id, src, value, fuzzy '
                    'FROM ir_translation WHERE lang = ? AND module = ? '
                    'AND src IS NOT NULL AND (overriding_module IS NULL '
                    'OR overriding_module IN (%s)) '
                    'ORDER BY type, name, res_id, src' % ', '.join(
                        '?' * len(MODULES)),
                    (LANG, core, *MODULES)).fetchall()
                # Tryton finds the entry to override by its source only for
                # these types: the others must be alone of their name
                count = defaultdict(int)
                for type_, name, res_id, *_ in rows:
                    count[type_, name, res_id] += 1
                for type_, name, res_id, src, value, fuzzy in rows:
                    if not in_scope(name, prefixes, buttons.get(res_id)
                            if name.startswith('ir.model.button,')
                            else None):
                        continue
                    if (type_ not in SOURCE_TYPES
                            and count[type_, name, res_id] > 1):
                        continue
                    fs_id = ''
                    if res_id is not None and res_id >= 0:
                        fs_id = fs_ids.get(
                            (core, name.split(',')[0], res_id))
                        if fs_id is None:
                            continue
                    entry = polib.POEntry(
                        msgctxt=f'{type_}:{name}:{core}.{fs_id}',
                        msgid=src,
                        msgstr='' if fuzzy else (value or ''))
                    previous = old.get(key(entry))
                    if previous is not None:
                        entry.msgstr = previous.msgstr
                    pofile.append(entry)
            path.parent.mkdir(parents=True, exist_ok=True)
            pofile.save(str(path))
            done = sum(1 for e in pofile if translated(e))
            print(f'{owner}: {len(pofile)} overridden entries, '
                f'{done} translated', file=sys.stderr)
        doc()
    finally:
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)


def doc():
    "Write the doc/translations.rst of the modules that override entries"
    for owner in OVERRIDES:
        path = override_path(owner)
        if path.exists():
            total, added, corrected = translations_doc.write(owner, path,
                ROOT / 'addons' / owner / 'doc' / 'translations.rst', LANG)
            print(f'{owner}: doc/translations.rst, {total} entries, '
                f'{added} added, {corrected} corrected', file=sys.stderr)


def coverage():
    """Print translated / total per module and language; return 1 when a
    DMS module or the overrides of a core module are not complete"""
    ok = True
    print(f'{"module":22} {"lang":6} {"translated":>10} {"total":>6}')
    for module in MODULES:
        path = po_path(module)
        entries = ([e for e in polib.pofile(str(path)) if not e.obsolete]
            if path.exists() else [])
        done = sum(1 for e in entries if translated(e))
        print(f'{module:22} {LANG:6} {done:>10} {len(entries):>6}')
        ok &= done == len(entries)
    per_core = defaultdict(lambda: [0, 0])
    for owner in OVERRIDES:
        path = override_path(owner)
        if not path.exists():
            continue
        for entry in polib.pofile(str(path)):
            if entry.obsolete:
                continue
            core = entry.msgctxt.rsplit(':', 1)[1].split('.', 1)[0]
            per_core[core][0] += translated(entry)
            per_core[core][1] += 1
    for core, (done, total) in sorted(per_core.items()):
        print(f'{core + " (override)":22} {LANG:6} {done:>10} {total:>6}')
        ok &= done == total
    return 0 if ok else 1


def check():
    ok = True
    for module in MODULES:
        path = po_path(module)
        entries = ([e for e in polib.pofile(str(path)) if not e.obsolete]
            if path.exists() else [])
        missing = [e for e in entries if not translated(e)]
        done = len(entries) - len(missing)
        rate = f'{100 * done / len(entries):.0f}%' if entries else 'n/a'
        print(f'{module:15} {done:4}/{len(entries):<4} {rate}'
            + ('' if path.exists() else '  (no zh_CN.po: nothing to translate)'))
        for entry in missing:
            fuzzy = ' (fuzzy)' if 'fuzzy' in entry.flags else ''
            print(f'    {entry.msgctxt} {entry.msgid!r}{fuzzy}')
        ok &= not missing
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n\n', 1)[1])
    sub = parser.add_subparsers(dest='command', required=True)
    parser_update = sub.add_parser('update', help='export and merge')
    parser_update.add_argument('--keep', metavar='DIR',
        help='build the database in DIR and keep it')
    sub.add_parser('check', help='report coverage of the .po files')
    parser_overrides = sub.add_parser('overrides',
        help='write the override files of the core entries')
    parser_overrides.add_argument('--keep', metavar='DIR',
        help='build the database in DIR and keep it')
    sub.add_parser('coverage', help='report the DMS modules and overrides')
    sub.add_parser('doc', help='write doc/translations.rst of the modules '
        'with overrides (no database)')
    args = parser.parse_args()
    if args.command == 'update':
        update(args.keep)
        return 0
    if args.command == 'overrides':
        overrides(args.keep)
        return 0
    if args.command == 'coverage':
        return coverage()
    if args.command == 'doc':
        doc()
        return 0
    return check()


if __name__ == '__main__':
    sys.exit(main())
