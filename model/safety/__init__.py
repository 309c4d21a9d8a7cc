"""The partial safety order, configuration spaces and budget exploration over them."""
