# Version of the Unikraft line this embedded tree follows (FlexOS forked 0.5).
UK_VERSION = 0
UK_SUBVERSION = 5
UK_EXTRAVERSION = 0
UK_CODENAME = Tethys
