"""Run faceright from a checkout: ``python cli.py assess cases/zhang-v-template-app.yaml``.

The commands live in the library (``faceright.cli``, installed as the ``faceright`` script);
this file only starts them, so the checkout and the installed command behave the same.
"""

from importlib import import_module

if __name__ == "__main__":
    import_module("faceright.cli").run()
