"""Pure declarations of lcc that tools read without torch: no module of this package imports
torch or compressai, so grid.status and analysis can use them (the lcc
packages that build things, lcc.codecs and lcc.models, import them from here)."""
