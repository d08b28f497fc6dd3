/**
 * Images: the ImageRegistry actor owning image records, and the builders of the presets (tiny, debian)
 * from Debian packages without mounting anything.
 */
package banger.image;
