#!/usr/bin/env python3
# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Run the DMS benchmarks and write bench/results.md.

Each benchmark runs in its own process on its own copy of the demo
database and prints its figures, its ratio against a baseline measured in
the same run and its goal with PASS or MISS.  A missed goal is reported,
not an error: the exit status is 0 unless a benchmark fails to run.

    bench/run.py                        all, on SQLite
    bench/run.py submit catalogue       some of them
    bench/run.py --rounds 5             fewer rounds (quicker, noisier)
    bench/run.py --postgresql postgresql://postgres@127.0.0.1:5432/
"""
import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = {
    'submit': 'bench_submit.py',
    'statements': 'bench_statements.py',
    'batch': 'bench_batch.py',
    'catalogue': 'bench_catalogue.py',
    'alerts': 'bench_alerts.py',
    'suggestions': 'bench_suggestions.py',
    'reports': 'bench_reports.py',
    'campaigns': 'bench_campaigns.py',
    }
COLUMNS = ['benchmark', 'baseline', 'dms', 'ratio', 'goal', 'status',
    'backend', 'date']


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument('benchmarks', nargs='*', metavar='BENCHMARK',
        help="benchmarks to run among %s (default: all)" % ', '.join(
            BENCHMARKS))
    parser.add_argument('--rounds', type=int,
        help="timed rounds of each benchmark (default: each one's own)")
    parser.add_argument('--postgresql', metavar='URI',
        help="run on PostgreSQL at URI instead of SQLite")
    parser.add_argument('--output', default=os.path.join(HERE, 'results.md'),
        help="Markdown file of the results (default: %(default)s)")
    args = parser.parse_args(argv)
    unknown = set(args.benchmarks) - set(BENCHMARKS)
    if unknown:
        parser.error("unknown benchmark(s): %s (choose among %s)" % (
                ', '.join(sorted(unknown)), ', '.join(BENCHMARKS)))
    names = args.benchmarks or list(BENCHMARKS)

    started = time.monotonic()
    rows, failed = [], []
    with tempfile.TemporaryDirectory(prefix='dms-bench-') as folder:
        for name in names:
            path = os.path.join(folder, name + '.jsonl')
            command = [sys.executable, os.path.join(HERE, BENCHMARKS[name]),
                '--json', path]
            if args.rounds:
                command += ['--rounds', str(args.rounds)]
            if args.postgresql:
                command += ['--postgresql', args.postgresql]
            start = time.monotonic()
            code = subprocess.call(command, cwd=HERE)
            print("   (%s: %.0f s)" % (name, time.monotonic() - start),
                flush=True)
            if code:
                failed.append(name)
            if os.path.exists(path):
                with open(path) as fp:
                    rows.extend(json.loads(line) for line in fp)
    elapsed = time.monotonic() - started
    write(args.output, rows, names, failed, elapsed, args)
    print("\n%s" % summary(rows))
    print("Results written to %s (%.0f s)" % (
            os.path.relpath(args.output), elapsed))
    if failed:
        print("Failed to run: %s" % ', '.join(failed), file=sys.stderr)
        return 1
    return 0


def summary(rows):
    missed = [r for r in rows if r['status'] == 'MISS']
    goals = [r for r in rows if r['status'] in {'PASS', 'MISS'}]
    return "%d goals: %d passed, %d missed" % (
        len(goals), len(goals) - len(missed), len(missed))


def write(output, rows, names, failed, elapsed, args):
    lines = [
        '# DMS benchmark results',
        '',
        'Written by `bench/run.py` (%s) on %s: Python %s, %s, %d cores, '
        '%s; %.0f s.  Each ratio compares with a baseline measured in the '
        'same run; see bench/README.md for what each benchmark measures.'
        % (' '.join(names), dt.datetime.now().strftime('%Y-%m-%d %H:%M'),
            platform.python_version(), platform.machine(), os.cpu_count(),
            'rounds %s' % args.rounds if args.rounds else 'default rounds',
            elapsed),
        '',
        '| ' + ' | '.join(COLUMNS) + ' |',
        '|' + '|'.join('---' for _ in COLUMNS) + '|',
        ]
    for row in rows:
        lines.append('| ' + ' | '.join(
                str(row[c]).replace('|', '\\|') for c in COLUMNS) + ' |')
    lines += ['', summary(rows) + ' (INFO rows are figures without a goal).']
    if failed:
        lines += ['', 'Failed to run: %s.' % ', '.join(failed)]
    with open(output, 'w') as fp:
        fp.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    sys.exit(main())
