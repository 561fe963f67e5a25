"""faceright: assess AI face-swap incidents under Chinese law with a rulebook run on durable_rules.

An assessment aid, not legal advice.
"""

from __future__ import annotations

__version__ = "0.1.0"
