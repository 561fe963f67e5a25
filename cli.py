"""Run faceright from a checkout: ``python cli.py assess cases/zhang-v-template-app.yaml``.

The command itself lives in the library (``faceright.cli``), installed as ``faceright``.
"""

from faceright.cli import main

if __name__ == "__main__":
    main()
