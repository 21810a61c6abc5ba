"""formcheck: watches low-back mobility exercises and coaches form.

Data flows one way: source -> pose -> analyzer -> overlay/report -> sink.
formcheck gives exercise feedback, not a diagnosis.
"""

__version__ = "0.1.0"
