"""The one safety note: formcheck coaches exercise form, it does not assess a back.

Printed when the live window opens and written into every JSON report, in these same words.
"""

SAFETY_NOTE = (
    "formcheck gives exercise feedback, not a diagnosis: move slowly, stop if it hurts, and see a "
    "professional if pain persists, worsens or runs down the leg."
)
