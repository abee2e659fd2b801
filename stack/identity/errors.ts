/** Named errors of the identity layer. Tests check the class; messages are exact and stable. */

/** A node ID text that is not the canonical form, or node ID bytes of the wrong length. */
export class NodeIdError extends Error {
  override name = 'NodeIdError';
}

/** An identity file that does not parse, or whose public key or node ID do not match its seed. */
export class IdentityFileError extends Error {
  override name = 'IdentityFileError';
}

/** IPv6 address text or bytes that are malformed (not RFC 4291 text, or not 16 bytes). */
export class NodeAddressError extends Error {
  override name = 'NodeAddressError';
}
