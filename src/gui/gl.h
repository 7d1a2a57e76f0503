#pragma once
/// OpenGL 3.3 core declarations. Linux's libGL exports the core entry points, so no loader is
/// needed; only gui/ includes this.

#ifndef GL_GLEXT_PROTOTYPES
#define GL_GLEXT_PROTOTYPES 1
#endif
#include <GL/gl.h>
#include <GL/glext.h>
