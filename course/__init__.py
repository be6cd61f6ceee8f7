"""sysdesign-course: toy system-design components you can run, plot and break.

The subpackages hold one domain each: ``course.sim`` (the discrete-event kernel),
``course.gateway`` (lesson 1) and the helpers that lessons and graders share.
``course.progress()`` lists the exercise questions you have passed so far.
"""

from .progress import progress

__version__ = "0.1.0"
__all__ = ["progress"]
