"""Hostile strings and files, generated in memory (nothing is stored in the repository).

:data:`STRINGS` are names a model, a file or a URL may carry: quotes, markup that PyScript would
run if it were inserted as HTML, control characters and a 10 kB string. Each one that ran would
set ``window.__pwned`` (the canary the browser tests check stays unset).
"""

from __future__ import annotations

CANARY = "__pwned"

STRINGS: tuple[str, ...] = (
    'x"><script type="py">import js;js.eval("window.__pwned=1")#',
    "x'><py-script>import js; js.eval('window.__pwned=2')</py-script>",
    '<img src=x onerror="window.__pwned=3">',
    "</section></div><script>window.__pwned=4</script>",
    "</x>",
    "a\x00b\x07c\x1b[31md\u202ee",
    '" onmouseover="window.__pwned=5" x="',
    "&lt;script&gt;&amp;",
    "A" * 10_000,
)
