import sys
from pathlib import Path

# The rules core is importable without frappe: put the app package on the path directly.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
