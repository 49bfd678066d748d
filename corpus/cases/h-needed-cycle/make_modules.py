#!/usr/bin/env python3
"""Writes the hand-made side modules of this case (the lab's build cannot express a NEEDED cycle):
selfneed.wasm names itself in dylink.0 NEEDED; cyca.wasm and cycb.wasm need each other and call each
other's functions. Run it from this folder; the .wasm files are committed."""


def leb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def name(s):
    b = s.encode()
    return leb(len(b)) + b


def section(sid, body):
    return bytes([sid]) + leb(len(body)) + body


def vec(items):
    return leb(len(items)) + b"".join(items)


def dylink(needed):
    mem_info = leb(0) + leb(0) + leb(0) + leb(0)  # no data, no table slots
    subs = bytes([1]) + leb(len(mem_info)) + mem_info
    if needed:
        body = vec([name(n) for n in needed])
        subs += bytes([2]) + leb(len(body)) + body
    payload = name("dylink.0") + subs
    return section(0, payload)


I32 = 0x7F


def module(needed, export, value, call_import=None):
    """A side module exporting `export() -> i32` that returns `value`, plus, when `call_import` is
    given, the import's result (an i32 function imported from env)."""
    types = section(1, vec([bytes([0x60]) + vec([]) + vec([bytes([I32])])]))
    imports = b""
    nimports = 0
    if call_import:
        imports = section(2, vec([name("env") + name(call_import) + bytes([0x00]) + leb(0)]))
        nimports = 1
    funcs = section(3, vec([leb(0)]))
    exports = section(7, vec([name(export) + bytes([0x00]) + leb(nimports)]))
    code = bytes([0x41]) + leb(value)  # i32.const value
    if call_import:
        code += bytes([0x10]) + leb(0) + bytes([0x6A])  # call 0; i32.add
    code += bytes([0x0B])
    body = vec([]) + code
    codesec = section(10, vec([leb(len(body)) + body]))
    return b"\0asm" + bytes([1, 0, 0, 0]) + dylink(needed) + types + imports + funcs + exports + codesec


if __name__ == "__main__":
    files = {
        "selfneed.wasm": module(["selfneed.wasm"], "self_value", 7),
        # A NEEDED cycle: cyca_value() = 1 + cycb_leaf(), and cycb needs cyca back.
        "cyca.wasm": module(["cycb.wasm"], "cyca_value", 1, call_import="cycb_leaf"),
        "cycb.wasm": module(["cyca.wasm"], "cycb_leaf", 20),
    }
    for f, b in files.items():
        with open(f, "wb") as out:
            out.write(b)
