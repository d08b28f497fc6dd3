/**
 * OCI images: the registry client (distribution API, token and basic auth), manifest and platform resolution, the
 * content-addressed blob cache shared by state dirs, layer flattening with whiteouts, the ext4 root built without
 * mounting, and the guest kit that makes any pulled image boot and answer exec.
 */
package banger.image.oci;
