/*
	Written for otguard's tests (ours, same licence as the code): signature-base has no rule
	that uses `owner`, and few that use `filetype`; these two use them the way THOR's
	documentation describes them (owner: the file's owning account, filetype: LOKI's
	file-type word for the first bytes).
*/

rule OTG_Test_Owned_ELF_Without_Extension {
   meta:
      description = "An ELF file with no extension whose owner is known"
   condition:
      filetype == "ELF" and extension == "" and owner != ""
}

rule OTG_Test_Script_Named_As_Document {
   meta:
      description = "A script with a document's extension"
   condition:
      ( filetype == "UNIX SCRIPT" or filetype == "Script" ) and
      ( extension == ".pdf" or extension == ".doc" or extension == ".txt" )
}
