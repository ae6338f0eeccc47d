#!/usr/bin/python3
"""Flags LLVM IR that clang 14's WebAssembly backend can miscompile through LOAD_SPLAT.

In WebAssemblyISelLowering::LowerBUILD_VECTOR (LLVM 14) a vector whose splat lane is a plain load
becomes a LOAD_SPLAT node that takes the load's input chain and has no output chain. Nothing then
orders it before the memory writes that followed the load in its basic block, and the scheduler can
move it after them (see README.md). SelectionDAG works one basic block at a time, so a site is, in
one block:

  a scalar load L (or a bitcast of one: the DAG folds it into the load) whose value is inserted
  as a lane of the same type into a vector (insertelement: build_vector and splat both start as
  one), and after L in the block a memory write W that
    - is a store, atomicrmw, cmpxchg, fence, llvm.lifetime.end, or a call/invoke that may write
      memory (not readnone/readonly by its declaration or call-site attributes), and
    - does not use the vector or a value computed from it in the block (that data dependence
      keeps W after the LOAD_SPLAT), and
    - is not proven disjoint from L by scoped-noalias metadata (!alias.scope / !noalias).

This is wider than what the backend does (it turns only the most frequent lane into LOAD_SPLAT,
and a write that does not alias L is harmless, though nothing here proves it): a site is a pattern
to review or remove, not a proven miscompilation. Input: textual IR (.ll), or the .mir that
`-mllvm -stop-after=...` writes around it. Standard library only.
"""
USAGE = """usage:
  scan_load_splat.py [--allow LIST] FILE.ll|FILE.mir...
      lists the sites; exit 0 none, 1 some, 2 bad input. LIST: reviewed sites, one
      `SOURCE FUNCTION reason...` a line (# starts a comment); sites in FUNCTION (mangled, as
      printed) of FILE SOURCE.mir or SOURCE.ll are reported as allowed and do not count, and an
      entry that matches nothing is reported (not an error).
  scan_load_splat.py --self-test FILE
      exit 0 only if every function named bad_* in FILE is flagged and no good_* one is."""
import re
import sys

NAME = r'%(?:[-\w.$]+|"[^"]*")'
LABEL = re.compile(r'^(?:[-\w.$]+|"[^"]*"):')
DEFINE = re.compile(r'^define\b.*?@([-\w.$]+|"[^"]*")\(')
DECLARE = re.compile(r'^(?:declare|define)\b.*?@([-\w.$]+|"[^"]*")\(')
ATTR_GROUP = re.compile(r'^attributes #(\d+) = \{(.*)\}')
DEF = re.compile(r'^\s*(' + NAME + r') = (.*)$')
LOAD = re.compile(r'^load (?:atomic )?(?:volatile )?([^,]+), ')
BITCAST = re.compile(r'^bitcast [^%]*(' + NAME + r') to (.+?)(?:, !.*)?$')
INSERT = re.compile(r'^insertelement <\d+ x ([^>]+)> ')
CALL = re.compile(r'\b(?:call|invoke|callbr)\b[^@%]*?(@[-\w.$]+|@"[^"]*"|' + NAME + r')\(')
# Calls the DAG drops or that write nothing the program can read back. llvm.lifetime.end is not
# here: a stack slot may be reused once its lifetime ends.
HARMLESS = re.compile(r'^@llvm\.(lifetime\.start|assume|experimental\.noalias\.scope\.decl|dbg\.'
                      r'|pseudoprobe|donothing|prefetch|sideeffect)')
READS_ONLY = {'readnone', 'readonly'}


def ir_lines(path):
    """The lines of the IR module in `path`; a .mir file carries it in its first YAML document."""
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().split('\n')
    if lines and lines[0].startswith('--- |'):
        module = []
        for line in lines[1:]:
            if line.startswith('...') or line.startswith('---'):
                break
            module.append(line[2:])
        return module
    return lines


def group_refs(line):
    return re.findall(r'#(\d+)', re.sub(r'"[^"]*"', '', line))


def function_attributes(lines):
    """Attribute groups (#N -> set of words) and, per declared or defined function, its groups."""
    groups, functions = {}, {}
    for line in lines:
        m = ATTR_GROUP.match(line)
        if m:
            groups[m.group(1)] = set(re.sub(r'"[^"]*"(=\"[^"]*\")?', '', m.group(2)).split())
    for line in lines:
        m = DECLARE.match(line)
        if m:
            tail = line[line.rfind(')'):]  # function attributes follow the parameter list
            functions['@' + m.group(1)] = set().union(*(groups.get(g, set())
                                                        for g in group_refs(tail)))
    return groups, functions


def writes_memory(inst, groups, functions):
    """Whether an instruction (text without the result name) may write memory."""
    op = inst.split(' ', 1)[0]
    if op in ('store', 'atomicrmw', 'cmpxchg', 'fence'):
        return True
    m = CALL.search(inst)
    if not m or op not in ('call', 'tail', 'musttail', 'notail', 'invoke', 'callbr'):
        return False
    callee = m.group(1)
    if callee.startswith('@llvm.lifetime.end'):
        return True
    if HARMLESS.match(callee):
        return False
    call_site = inst[inst.rfind(')'):]
    attrs = set().union(*(groups.get(g, set()) for g in group_refs(call_site)))
    attrs |= set(call_site.split()) & READS_ONLY
    attrs |= functions.get(callee, set())
    return not attrs & READS_ONLY


def metadata_lists(lines):
    """!N = !{!a, !b, ...} -> {'!a', '!b', ...}: the scope lists of !alias.scope and !noalias."""
    lists = {}
    for line in lines:
        m = re.match(r'^(![\w.]+) = (?:distinct )?!\{(.*)\}\s*$', line)
        if m:
            lists[m.group(1)] = set(re.findall(r'![\w.]+', m.group(2)))
    return lists


def scopes(inst, kind, lists):
    m = re.search(r'!' + kind + r' (![\w.]+)', inst)
    return lists.get(m.group(1), set()) if m else set()


def disjoint(a, b, lists):
    """Scoped-noalias metadata proves the accesses a and b disjoint (all of one's scopes are in the
    other's noalias list; a stricter test than LLVM's, which works per scope domain)."""
    for x, y in ((a, b), (b, a)):
        mine = scopes(x, 'alias.scope', lists)
        if mine and mine <= scopes(y, 'noalias', lists):
            return True
    return False


def scan_block(func, block, attrs, hits):
    """block: [(line number, instruction text)] of one basic block."""
    groups, functions, lists = attrs
    source = {}   # SSA name -> (index of the load in block, scalar type of the value)
    flagged = set()
    for i, (_, text) in enumerate(block):
        m = DEF.match(text)
        if not m:
            continue
        name, rhs = m.group(1), m.group(2)
        load = LOAD.match(rhs)
        if load:
            source[name] = (i, load.group(1).strip())
            continue
        cast = BITCAST.match(rhs)
        if cast and cast.group(1) in source and not cast.group(2).startswith('<'):
            source[name] = (source[cast.group(1)][0], cast.group(2).strip())
            continue
        ins = INSERT.match(rhs)
        if not ins:
            continue
        lane_ty = ins.group(1).strip()
        lane = re.search(', ' + re.escape(lane_ty) + ' (' + NAME + r'), i\d+ [^,]+$',
                         re.sub(r', !.*$', '', rhs))
        if not lane or lane.group(1) not in source:
            continue
        j, ty = source[lane.group(1)]
        if ty != lane_ty or j in flagged:
            continue
        # Values computed from this vector: a write that uses one cannot be scheduled before the
        # LOAD_SPLAT (a data dependence). Writes that follow such a use are still checked: the
        # DAG combiner may rechain a store past non-aliasing ones.
        derived = {name}
        for k in range(j + 1, len(block)):
            inst = DEF.sub(r'\2', block[k][1]).strip()
            if k > i and set(re.findall(NAME, inst)) & derived:
                d = DEF.match(block[k][1])
                if d:
                    derived.add(d.group(1))
                continue
            if writes_memory(inst, groups, functions) and not disjoint(block[j][1], inst, lists):
                flagged.add(j)
                hits.append((func, block[j], block[k], block[i]))
                break


def scan(path):
    lines = ir_lines(path)
    attrs = function_attributes(lines) + (metadata_lists(lines),)
    if not any(line.startswith('target triple') for line in lines):
        raise ValueError(path + ': not LLVM IR')
    hits = []
    func, block = None, []
    for number, line in enumerate(lines, 1):
        if func is None:
            m = DEFINE.match(line)
            if m:
                func, block = m.group(1), []
            continue
        if line.startswith('}') or LABEL.match(line):
            scan_block(func, block, attrs, hits)
            block = []
            if line.startswith('}'):
                func = None
        elif line.strip() and not line.lstrip().startswith(';'):
            block.append((number, line.strip()))
    return hits


def defined_functions(path):
    return [m.group(1) for m in map(DEFINE.match, ir_lines(path)) if m]


def self_test(path):
    flagged = {func for func, _, _, _ in scan(path)}
    names = defined_functions(path)
    bad = [n for n in names if n.startswith('bad_')]
    good = [n for n in names if n.startswith('good_')]
    missed = [n for n in bad if n not in flagged]
    wrong = [n for n in good if n in flagged]
    if not bad or missed or wrong:
        print('scanner self-test FAILED on %s: %d bad_* functions, not flagged: %s; good_* flagged:'
              ' %s' % (path, len(bad), ' '.join(missed) or '-', ' '.join(wrong) or '-'))
        return 1
    print('scanner self-test passed: %d of %d bad_* flagged (%s), %d good_* not flagged'
          % (len(bad), len(bad), ' '.join(bad), len(good)))
    return 0


def read_allowed(path):
    allowed = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            fields = line.split('#', 1)[0].split(None, 2)
            if fields:
                if len(fields) < 3:
                    raise ValueError('%s: want SOURCE FUNCTION reason: %s' % (path, line.strip()))
                allowed.append(fields)
    return allowed


def main(args):
    if args[:1] == ['--self-test'] and len(args) == 2:
        try:
            return self_test(args[1])
        except (OSError, ValueError) as e:
            print('scan_load_splat: ' + str(e), file=sys.stderr)
            return 2
    allowed = []
    try:
        if args[:1] == ['--allow'] and len(args) >= 2:
            allowed, args = read_allowed(args[1]), args[2:]
        if not args or args[0].startswith('--'):
            print(USAGE, file=sys.stderr)
            return 2
        results = [(path, scan(path)) for path in args]
    except (OSError, ValueError) as e:
        print('scan_load_splat: ' + str(e), file=sys.stderr)
        return 2
    used, total = {}, 0
    for path, hits in results:
        for func, load, write, use in hits:
            entry = next((a for a in allowed if a[1] == func and
                          re.search(r'(^|/)' + re.escape(a[0]) + r'\.(mir|ll)$', path)), None)
            if entry:
                used[id(entry)] = used.get(id(entry), 0) + 1
                continue
            print('%s: in %s' % (path, func))
            for what, (number, text) in (('load ', load), ('write', write), ('lane ', use)):
                print('  %s %6d: %s' % (what, number, text[:140]))
            total += 1
    for entry in allowed:
        if id(entry) in used:
            print('allowed (reviewed, see the allow list): %d site(s) in %s %s'
                  % (used[id(entry)], entry[0], entry[1]))
        else:
            print('allow entry matched no site (remove it?): %s %s' % (entry[0], entry[1]))
    return 1 if total else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
