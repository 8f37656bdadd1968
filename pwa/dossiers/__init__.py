"""Administrative dossier tracking: the agency's steps and the postal legs on one timeline."""
