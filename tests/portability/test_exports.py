#!/usr/bin/env python3
"""The shared library exports the public API and nothing else.

The public API is what include/usbmsc/usbmsc.h declares, read through the C
preprocessor (so that macros and comments count as the compiler sees them):
every function and variable declared in a public header must be marked
USBMSC_API (include/usbmsc/api.h), every marked one must be exported, and
the library may export nothing else (no internal helper an application
could come to rely on).

Usage: test_exports.py elf NM LIBRARY CC... -- INCLUDE_DIR
       test_exports.py pe OBJDUMP LIBRARY CC... -- INCLUDE_DIR
TAP on stdout.
"""
import re
import subprocess
import sys

MARK = '__usbmsc_public_mark__'


def preprocessed(cc, include_dir):
    """The umbrella header preprocessed, only the lines that come from the
    project's own headers."""
    out = subprocess.run(cc + ['-E', '-DUSBMSC_API=' + MARK, '-I', include_dir, '-x', 'c',
                               '-'], input='#include <usbmsc/usbmsc.h>\n',
                         capture_output=True, text=True, check=True).stdout
    keep, ours = [], False
    for line in out.split('\n'):
        m = re.match(r'#\s*\d+\s+"([^"]*)"', line)
        if m:
            ours = '/usbmsc/' in m.group(1).replace('\\', '/')
            continue
        if ours:
            keep.append(line)
    return '\n'.join(keep)


def statements(text):
    """Top-level declarations (the text up to each ';' outside braces and
    parentheses); bodies of inline functions and of struct, union and enum
    definitions are left out."""
    out, cur, depth, paren = [], [], 0, 0
    for ch in text:
        if ch == '{':
            depth += 1
            if depth == 1:
                cur.append('{}')
            continue
        if ch == '}':
            depth -= 1
            if depth == 0 and paren == 0 and re.sub(r'\s+', '', ''.join(cur)).endswith('){}'):
                cur = []    # a function definition (static inline): no ';' follows
            continue
        if depth:
            continue
        if ch == '(':
            paren += 1
        elif ch == ')':
            paren -= 1
        if ch == ';' and paren == 0:
            out.append(' '.join(''.join(cur).split()))
            cur = []
        else:
            cur.append(ch)
    return out


def declared(text):
    """{name: marked} for every function and variable declared."""
    names = {}
    for s in statements(text):
        if not s or s.startswith('typedef') or '{}' in s or \
           re.fullmatch(r'(struct|union|enum) \w+', s):
            continue    # types, and forward declarations of them
        body = re.sub(r'__attribute__\s*\(\(.*?\)\)', ' ', s)
        marked = MARK in body
        body = body.replace(MARK, ' ')
        if 'static ' in body or 'inline ' in body:
            continue
        if '(' in body:
            m = re.search(r'([A-Za-z_]\w*)\s*\(', body)
        else:
            m = re.search(r'([A-Za-z_]\w*)\s*(\[[^]]*\]\s*)*$', body.strip())
        if m:
            names[m.group(1)] = marked
    return names


def exported(kind, tool, lib):
    if kind == 'elf':
        out = subprocess.run([tool, '-D', '--defined-only', lib], capture_output=True,
                             text=True, check=True).stdout
        return {f[-1] for f in (l.split() for l in out.split('\n')) if len(f) >= 3 and
                not f[-1].startswith('_')}
    out = subprocess.run([tool, '-p', lib], capture_output=True, text=True,
                         check=True).stdout
    part = out.split('[Ordinal/Name Pointer] Table', 1)
    if len(part) < 2:
        return set()
    names = set()
    for line in part[1].split('\n')[1:]:
        m = re.match(r'\s*\[\s*\d+\]\s+(\S+)', line)
        if not m:
            break
        names.add(m.group(1))
    return names


def main():
    kind, tool, lib = sys.argv[1:4]
    sep = sys.argv.index('--')
    cc, include_dir = sys.argv[4:sep], sys.argv[sep + 1]
    decl = declared(preprocessed(cc, include_dir))
    exp = exported(kind, tool, lib)
    checks = [
        ('the public headers declare the API (found %d functions and variables)' % len(decl),
         [] if len(decl) > 50 else ['too few: the header parser is broken']),
        ('every public function and variable is marked USBMSC_API',
         sorted(n for n, m in decl.items() if not m)),
        ('the library exports every marked one',
         sorted(n for n, m in decl.items() if m and n not in exp)),
        ('the library exports nothing else (%d exported)' % len(exp),
         sorted(n for n in exp if n not in decl)),
    ]
    bad = 0
    for i, (what, hits) in enumerate(checks, 1):
        print(('ok %d - %s' if not hits else 'not ok %d - %s') % (i, what))
        for h in hits[:60]:
            print('# ' + h)
        bad |= bool(hits)
    print('1..%d' % len(checks))
    return bad


if __name__ == '__main__':
    sys.exit(main())
