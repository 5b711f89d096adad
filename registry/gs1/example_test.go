package gs1_test

import (
	"errors"
	"fmt"

	"github.com/tracereg/tracereg/registry/gs1"
)

func ExampleParsePath() {
	d, err := gs1.ParsePath("/01/9506000134352/10/CF-2025%2F07/21/1", "17=261231&linkType=gs1:pip")
	if err != nil {
		panic(err)
	}
	fmt.Println(d.GTIN, d.Lot, d.Serial, d.Attributes["17"])
	fmt.Println(d.URI("https://tracereg.example.vn"))
	// Output:
	// 09506000134352 CF-2025/07 1 261231
	// https://tracereg.example.vn/01/09506000134352/10/CF-2025%2F07/21/1?17=261231
}

func ExampleValidateGTIN() {
	err := gs1.ValidateGTIN("8931234567890")
	var e *gs1.Error
	if errors.As(err, &e) {
		fmt.Println(e.AI, e.Rule)
		fmt.Println(e.MessageVI)
	}
	// Output:
	// 01 check_digit
	// Số kiểm tra GTIN không đúng: phải là 7, không phải 0
}
