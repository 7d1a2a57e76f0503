#version 330 core
// Original left of u_split, stylized right of it (u_split in 0..1 across the quad):
// 1 shows only the original, 0 only the stylized picture, anything between is the wipe view.
in vec2 v_uv;
out vec4 color;

uniform sampler2D u_original;
uniform sampler2D u_stylized;
uniform float u_split;

void main() {
    vec3 rgb = v_uv.x < u_split ? texture(u_original, v_uv).rgb : texture(u_stylized, v_uv).rgb;
    color = vec4(rgb, 1.0);
}
