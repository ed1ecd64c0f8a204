locals {
	a	=	1
	longer	= "tab	inside"
	block {
		x = [	1,	2	]
	}
}
