#version 330 core
// A quad covering the current viewport, generated from gl_VertexID (draw 4 vertices as a
// triangle strip). v_uv = (0, 0) at the image's top-left corner.
out vec2 v_uv;

void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
    v_uv = vec2(corner.x, 1.0 - corner.y);
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
