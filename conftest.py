"""Root pytest set-up: figures are drawn off-screen everywhere, doctests included."""

import matplotlib

matplotlib.use("Agg")
