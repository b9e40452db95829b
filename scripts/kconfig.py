#!/usr/bin/python3
"""Carrel's front end to kconfiglib (Debian python3-kconfiglib).

  kconfig.py defconfig FILE   write $KCONFIG_CONFIG from a defconfig
  kconfig.py olddefconfig     refresh $KCONFIG_CONFIG, new symbols at default
  kconfig.py menuconfig       interactive editor
  kconfig.py savedefconfig F  write the minimal defconfig of the current config
  kconfig.py set SYM=y|n ...  change symbols as menuconfig would, then save
  kconfig.py generate H MK    write the C header (every bool CONFIG_X as 0/1)
                              and the make fragment (CONFIG_X := y/n)

Written by hand (not kconfiglib's genconfig) because genconfig omits disabled
symbols, and Carrel wants `if (CONFIG_X)` to compile with X off.
"""
import os
import sys

import kconfiglib


def load():
    kconf = kconfiglib.Kconfig(os.environ.get("KCONFIG", "Kconfig"), warn_to_stderr=False)
    for w in kconf.warnings:
        print("kconfig: " + w, file=sys.stderr)
    return kconf


def config_path():
    return os.environ.get("KCONFIG_CONFIG", ".config")


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def generate(kconf, header, makefrag):
    kconf.load_config(config_path())
    h = ["/* Generated from %s by scripts/kconfig.py: do not edit. */" % config_path(),
         "#pragma once"]
    mk = ["# Generated from %s by scripts/kconfig.py: do not edit." % config_path()]
    for sym in kconf.unique_defined_syms:
        if sym.type in (kconfiglib.BOOL, kconfiglib.TRISTATE):
            on = sym.tri_value == 2
            h.append("#define CONFIG_%s %d" % (sym.name, 1 if on else 0))
            mk.append("CONFIG_%s := %s" % (sym.name, "y" if on else "n"))
        elif sym.type in (kconfiglib.INT, kconfiglib.HEX):
            h.append("#define CONFIG_%s %s" % (sym.name, sym.str_value or "0"))
            mk.append("CONFIG_%s := %s" % (sym.name, sym.str_value))
        elif sym.type == kconfiglib.STRING:
            h.append('#define CONFIG_%s "%s"' % (sym.name, kconfiglib.escape(sym.str_value)))
            mk.append("CONFIG_%s := %s" % (sym.name, sym.str_value))
    os.makedirs(os.path.dirname(header) or ".", exist_ok=True)
    write_atomic(header, "\n".join(h) + "\n")
    write_atomic(makefrag, "\n".join(mk) + "\n")


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    os.makedirs(os.path.dirname(config_path()) or ".", exist_ok=True)
    kconf = load()
    if cmd == "defconfig" and len(argv) == 3:
        kconf.load_config(argv[2])
        print(kconf.write_config(config_path()))
    elif cmd == "olddefconfig":
        if os.path.exists(config_path()):
            kconf.load_config(config_path())
        print(kconf.write_config(config_path()))
    elif cmd == "savedefconfig" and len(argv) == 3:
        kconf.load_config(config_path())
        print(kconf.write_min_config(argv[2]))
    elif cmd == "set" and len(argv) >= 3:
        kconf.load_config(config_path())
        for assignment in argv[2:]:
            name, _, value = assignment.partition("=")
            sym = kconf.syms.get(name.removeprefix("CONFIG_"))
            if sym is None or not sym.set_value(value) or sym.str_value != value:
                print("kconfig: cannot set %s" % assignment, file=sys.stderr)
                return 1
        print(kconf.write_config(config_path()))
    elif cmd == "menuconfig":
        import menuconfig
        menuconfig.menuconfig(kconf)
    elif cmd == "generate" and len(argv) == 4:
        generate(kconf, argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
