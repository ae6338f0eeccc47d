#!/usr/bin/python3
"""Writes a ninja file that compiles sources to the LLVM IR the WebAssembly backend selects from.

Each edge is the source's own command from the WASM build's compile_commands.json, with its object
output replaced by a .mir file and `-mllvm -stop-after=stack-protector` added: the last IR pass
before instruction selection in LLVM 14's WebAssembly pipeline, so the file holds exactly the IR
(after CodeGenPrepare, Emscripten's EH/SjLj lowering and the other codegen IR passes) that
SelectionDAG receives, produced with emcc's own backend options. Headers are tracked (-MD).

  ir_ninja.py BUILD_DIR OUT_DIR SELF_TEST_SOURCE [--tests]
    BUILD_DIR: a configured WASM build with compile_commands.json
    OUT_DIR: where ir.ninja and the .mir files go
Sources: every src/**/*.cc and wasm/bindings.cc the build compiles, with --tests also its
tests/**/*.cc. SELF_TEST_SOURCE is compiled with wasm/bindings.cc's command. Prints the .mir paths,
the self-test's first, one per line.
"""
import json
import os
import shlex
import sys


def ir_command(entry, source, out):
    """entry's command, compiling `source` to `out` (IR before instruction selection)."""
    args = shlex.split(entry['command']) if 'command' in entry else list(entry['arguments'])
    result, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg == '-o':
            skip = True
        elif arg.startswith('-o') and len(arg) > 2:
            pass
        elif os.path.realpath(os.path.join(entry['directory'], arg)) == entry['file']:
            pass
        else:
            result.append(arg)
    result += ['-mllvm', '-stop-after=stack-protector', '-MD', '-MF', out + '.d', '-o', out, source]
    return 'cd %s && %s' % (shlex.quote(entry['directory']), shlex.join(result))


def ninja_path(path):
    return path.replace('$', '$$').replace(' ', '$ ').replace(':', '$:')


def main(build, out_dir, self_test, tests=False):
    root = os.path.realpath(os.path.join(os.path.dirname(__file__), '..', '..'))
    with open(os.path.join(build, 'compile_commands.json'), encoding='utf-8') as f:
        entries = json.load(f)
    for e in entries:
        e['file'] = os.path.realpath(os.path.join(e['directory'], e['file']))
    bindings = os.path.join(root, 'wasm', 'bindings.cc')
    dirs = [os.path.join(root, d, '') for d in (['src', 'tests'] if tests else ['src'])]
    chosen = sorted((e for e in entries
                     if e['file'] == bindings or any(e['file'].startswith(d) for d in dirs)),
                    key=lambda e: e['file'])
    by_file = {e['file']: e for e in chosen}
    if bindings not in by_file or len(by_file) != len(chosen):
        sys.exit('ir_ninja: wasm/bindings.cc missing from, or a source listed twice in, '
                 + os.path.join(build, 'compile_commands.json'))
    self_test = os.path.realpath(self_test)
    jobs = [(self_test, by_file[bindings])] + [(e['file'], e) for e in chosen]
    os.makedirs(out_dir, exist_ok=True)
    lines = ['# Written by tests/toolchain/ir_ninja.py; rewritten on every run.',
             'rule mir', '  command = $cmd', '  depfile = $out.d', '  deps = gcc',
             '  description = IR $in', '']
    outputs = []
    for source, entry in jobs:
        out = os.path.join(os.path.realpath(out_dir), os.path.relpath(source, root) + '.mir')
        outputs.append(out)
        lines += ['build %s: mir %s' % (ninja_path(out), ninja_path(source)),
                  '  cmd = ' + ir_command(entry, source, out).replace('$', '$$'), '']
    with open(os.path.join(out_dir, 'ir.ninja'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines))
    print('\n'.join(outputs))


if __name__ == '__main__':
    args = sys.argv[1:]
    if len(args) not in (3, 4) or args[3:] not in ([], ['--tests']):
        sys.exit(__doc__.strip())
    main(*args[:3], tests=bool(args[3:]))
