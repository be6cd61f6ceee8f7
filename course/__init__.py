"""sysdesign-course: toy system-design components you can run, plot and break.

The subpackages hold one domain each: ``course.sim`` (the discrete-event kernel),
``course.gateway`` (lesson 1) and the helpers that lessons and graders share.
"""

__version__ = "0.1.0"
