/** Python tasks of the bank. Tests are `assert` statements run after the candidate's code. */
import { type BankTask, code } from "../types.js";

type PythonTask = Omit<BankTask, "language" | "type">;
const python = (task: PythonTask): BankTask => ({ ...task, language: "python", type: "code" });

export const PYTHON_TASKS: BankTask[] = [
  python({
    id: "py-fizzbuzz",
    title: "FizzBuzz list",
    functionName: "fizzbuzz",
    prompt:
      'Write a Python function `fizzbuzz(n)` that returns a list of strings for the numbers 1 to n: "Fizz" for multiples of 3, "Buzz" for multiples of 5, "FizzBuzz" for multiples of both, and the number itself as a string otherwise.',
    reference: code`
      def fizzbuzz(n):
          result = []
          for i in range(1, n + 1):
              if i % 15 == 0:
                  result.append("FizzBuzz")
              elif i % 3 == 0:
                  result.append("Fizz")
              elif i % 5 == 0:
                  result.append("Buzz")
              else:
                  result.append(str(i))
          return result
    `,
    buggy: [
      code`
        def fizzbuzz(n):
            result = []
            for i in range(1, n):
                if i % 15 == 0:
                    result.append("FizzBuzz")
                elif i % 3 == 0:
                    result.append("Fizz")
                elif i % 5 == 0:
                    result.append("Buzz")
                else:
                    result.append(str(i))
            return result
      `,
      code`
        def fizzbuzz(n):
            result = []
            for i in range(1, n + 1):
                if i % 3 == 0:
                    result.append("Fizz")
                elif i % 5 == 0:
                    result.append("Buzz")
                elif i % 15 == 0:
                    result.append("FizzBuzz")
                else:
                    result.append(str(i))
            return result
      `,
    ],
    hiddenTests: [
      'assert fizzbuzz(1) == ["1"]',
      'assert fizzbuzz(5) == ["1", "2", "Fizz", "4", "Buzz"]',
      'assert fizzbuzz(15)[-1] == "FizzBuzz"',
      "assert fizzbuzz(0) == []",
      "assert len(fizzbuzz(30)) == 30",
    ],
    modelTests: [
      'assert fizzbuzz(3) == ["1", "2", "Fizz"]',
      'assert fizzbuzz(15)[14] == "FizzBuzz"',
      'assert fizzbuzz(10)[9] == "Buzz"',
      "assert len(fizzbuzz(7)) == 7",
    ],
    wrongTests: ['assert fizzbuzz(15)[14] == "Fizz"', "assert len(fizzbuzz(7)) == 6"],
    locals: ["result", "i", "n"],
  }),
  python({
    id: "py-is-palindrome",
    title: "Palindrome check ignoring punctuation",
    functionName: "is_palindrome",
    prompt:
      "Write a Python function `is_palindrome(s)` that returns True when the string reads the same forwards and backwards, ignoring letter case and every character that is not a letter or digit.",
    reference: code`
      def is_palindrome(s):
          chars = [c.lower() for c in s if c.isalnum()]
          return chars == chars[::-1]
    `,
    buggy: [
      code`
        def is_palindrome(s):
            chars = [c for c in s if c.isalnum()]
            return chars == chars[::-1]
      `,
      code`
        def is_palindrome(s):
            chars = s.lower()
            return chars == chars[::-1]
      `,
    ],
    hiddenTests: [
      'assert is_palindrome("A man, a plan, a canal: Panama") is True',
      'assert is_palindrome("race a car") is False',
      'assert is_palindrome("") is True',
      'assert is_palindrome("Noon") is True',
      'assert is_palindrome("ab") is False',
    ],
    modelTests: [
      'assert is_palindrome("Was it a car or a cat I saw?")',
      'assert not is_palindrome("hello")',
      'assert is_palindrome("x")',
      'assert is_palindrome("Able was I ere I saw Elba")',
    ],
    wrongTests: ['assert not is_palindrome("Noon")'],
    locals: ["chars", "c", "s"],
  }),
  python({
    id: "py-reverse-words",
    title: "Reverse the words of a sentence",
    functionName: "reverse_words",
    prompt:
      "Write a Python function `reverse_words(sentence)` that returns the words of the sentence in reverse order, separated by single spaces, with leading, trailing and repeated whitespace removed.",
    reference: code`
      def reverse_words(sentence):
          words = sentence.split()
          return " ".join(reversed(words))
    `,
    buggy: [
      code`
        def reverse_words(sentence):
            words = sentence.split(" ")
            return " ".join(reversed(words))
      `,
      code`
        def reverse_words(sentence):
            words = sentence.split()
            return " ".join(word[::-1] for word in words)
      `,
    ],
    hiddenTests: [
      'assert reverse_words("hello world") == "world hello"',
      'assert reverse_words("  the sky  is blue ") == "blue is sky the"',
      'assert reverse_words("") == ""',
      'assert reverse_words("one") == "one"',
    ],
    modelTests: [
      'assert reverse_words("a b c") == "c b a"',
      'assert reverse_words(" x  y ") == "y x"',
      'assert reverse_words("python is fun") == "fun is python"',
    ],
    wrongTests: ['assert reverse_words("hello world") == "dlrow olleh"'],
    locals: ["words", "sentence"],
  }),
  python({
    id: "py-count-vowels",
    title: "Count the vowels",
    functionName: "count_vowels",
    prompt:
      "Write a Python function `count_vowels(text)` that returns how many vowels (a, e, i, o, u, in either case) the string contains; y is not a vowel.",
    reference: code`
      def count_vowels(text):
          count = 0
          for ch in text.lower():
              if ch in "aeiou":
                  count += 1
          return count
    `,
    buggy: [
      code`
        def count_vowels(text):
            count = 0
            for ch in text:
                if ch in "aeiou":
                    count += 1
            return count
      `,
      code`
        def count_vowels(text):
            count = 0
            for ch in text.lower():
                if ch in "aeiouy":
                    count += 1
            return count
      `,
    ],
    hiddenTests: [
      'assert count_vowels("hello") == 2',
      'assert count_vowels("AEIOU") == 5',
      'assert count_vowels("rhythm") == 0',
      'assert count_vowels("") == 0',
      'assert count_vowels("Yay") == 1',
    ],
    modelTests: [
      'assert count_vowels("Python") == 1',
      'assert count_vowels("Education") == 5',
      'assert count_vowels("xyz") == 0',
    ],
    wrongTests: ['assert count_vowels("Python") == 2'],
    locals: ["count", "ch", "text"],
  }),
  python({
    id: "py-binary-search",
    title: "Binary search in a sorted list",
    functionName: "binary_search",
    prompt:
      "Write a Python function `binary_search(items, target)` that returns the index of target in the sorted list items, or -1 when it is not there.",
    reference: code`
      def binary_search(items, target):
          lo, hi = 0, len(items) - 1
          while lo <= hi:
              mid = (lo + hi) // 2
              if items[mid] == target:
                  return mid
              if items[mid] < target:
                  lo = mid + 1
              else:
                  hi = mid - 1
          return -1
    `,
    buggy: [
      code`
        def binary_search(items, target):
            lo, hi = 0, len(items) - 1
            while lo < hi:
                mid = (lo + hi) // 2
                if items[mid] == target:
                    return mid
                if items[mid] < target:
                    lo = mid + 1
                else:
                    hi = mid - 1
            return -1
      `,
      code`
        def binary_search(items, target):
            lo, hi = 0, len(items)
            while lo <= hi:
                mid = (lo + hi) // 2
                if items[mid] == target:
                    return mid
                if items[mid] < target:
                    lo = mid + 1
                else:
                    hi = mid - 1
            return -1
      `,
    ],
    hiddenTests: [
      "assert binary_search([1, 3, 5, 7, 9], 7) == 3",
      "assert binary_search([1, 3, 5, 7, 9], 4) == -1",
      "assert binary_search([], 1) == -1",
      "assert binary_search([2], 2) == 0",
      "assert binary_search([1, 3, 5, 7, 9], 10) == -1",
      "assert binary_search([1, 3, 5, 7, 9], 1) == 0",
    ],
    modelTests: [
      "assert binary_search([10, 20, 30], 30) == 2",
      "assert binary_search([10, 20, 30], 25) == -1",
      "assert binary_search([5], 5) == 0",
      "assert binary_search([1, 2], 3) == -1",
    ],
    wrongTests: ["assert binary_search([10, 20, 30], 30) == 3"],
    locals: ["lo", "hi", "mid", "items", "target"],
  }),
  python({
    id: "py-roman-to-int",
    title: "Roman numerals to integer",
    functionName: "roman_to_int",
    prompt:
      'Write a Python function `roman_to_int(s)` that converts a valid Roman numeral such as "MCMXCIV" to an integer, including the subtractive forms IV, IX, XL, XC, CD and CM.',
    reference: code`
      def roman_to_int(s):
          values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
          total = 0
          for i in range(len(s)):
              value = values[s[i]]
              if i + 1 < len(s) and values[s[i + 1]] > value:
                  total -= value
              else:
                  total += value
          return total
    `,
    buggy: [
      code`
        def roman_to_int(s):
            values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
            total = 0
            for i in range(len(s)):
                total += values[s[i]]
            return total
      `,
      code`
        def roman_to_int(s):
            values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
            total = 0
            for i in range(len(s)):
                value = values[s[i]]
                if i + 1 < len(s) and values[s[i + 1]] >= value:
                    total -= value
                else:
                    total += value
            return total
      `,
    ],
    hiddenTests: [
      'assert roman_to_int("III") == 3',
      'assert roman_to_int("IV") == 4',
      'assert roman_to_int("MCMXCIV") == 1994',
      'assert roman_to_int("LVIII") == 58',
      'assert roman_to_int("XL") == 40',
    ],
    modelTests: [
      'assert roman_to_int("IX") == 9',
      'assert roman_to_int("XXI") == 21',
      'assert roman_to_int("MMXXIV") == 2024',
      'assert roman_to_int("CD") == 400',
    ],
    wrongTests: ['assert roman_to_int("IX") == 11'],
    locals: ["values", "total", "value", "i", "s"],
  }),
  python({
    id: "py-gcd",
    title: "Greatest common divisor",
    functionName: "greatest_common_divisor",
    prompt:
      "Write a Python function `greatest_common_divisor(a, b)` that returns the greatest common divisor of two integers, always non-negative; gcd(0, 0) is 0 and negative inputs are allowed.",
    reference: code`
      def greatest_common_divisor(a, b):
          a, b = abs(a), abs(b)
          while b:
              a, b = b, a % b
          return a
    `,
    buggy: [
      code`
        def greatest_common_divisor(a, b):
            while b:
                a, b = b, a % b
            return a
      `,
      code`
        def greatest_common_divisor(a, b):
            for d in range(min(a, b), 0, -1):
                if a % d == 0 and b % d == 0:
                    return d
            return 1
      `,
    ],
    hiddenTests: [
      "assert greatest_common_divisor(12, 18) == 6",
      "assert greatest_common_divisor(17, 5) == 1",
      "assert greatest_common_divisor(0, 5) == 5",
      "assert greatest_common_divisor(4, -6) == 2",
      "assert greatest_common_divisor(0, 0) == 0",
    ],
    modelTests: [
      "assert greatest_common_divisor(48, 36) == 12",
      "assert greatest_common_divisor(7, 0) == 7",
      "assert greatest_common_divisor(9, -6) == 3",
    ],
    wrongTests: ["assert greatest_common_divisor(0, 5) == 1"],
    locals: ["a", "b", "d"],
  }),
  python({
    id: "py-flatten-list",
    title: "Flatten a nested list",
    functionName: "flatten_list",
    prompt:
      "Write a Python function `flatten_list(nested)` that takes a list whose items may be lists nested to any depth and returns a flat list of all non-list items in order; strings are items, not lists.",
    reference: code`
      def flatten_list(nested):
          result = []
          for item in nested:
              if isinstance(item, list):
                  result.extend(flatten_list(item))
              else:
                  result.append(item)
          return result
    `,
    buggy: [
      code`
        def flatten_list(nested):
            result = []
            for item in nested:
                if isinstance(item, list):
                    result.extend(item)
                else:
                    result.append(item)
            return result
      `,
      code`
        def flatten_list(nested):
            result = []
            for item in nested:
                if hasattr(item, "__iter__"):
                    result.extend(flatten_list(item))
                else:
                    result.append(item)
            return result
      `,
    ],
    hiddenTests: [
      "assert flatten_list([1, [2, [3, [4]]], 5]) == [1, 2, 3, 4, 5]",
      "assert flatten_list([]) == []",
      "assert flatten_list([[], [[]]]) == []",
      'assert flatten_list(["ab", ["c"]]) == ["ab", "c"]',
    ],
    modelTests: [
      "assert flatten_list([[1, 2], [3]]) == [1, 2, 3]",
      "assert flatten_list([1, [2, [3]]]) == [1, 2, 3]",
      'assert flatten_list(["x", ["y", ["z"]]]) == ["x", "y", "z"]',
    ],
    wrongTests: ["assert flatten_list([1, [2, [3]]]) == [1, 2, [3]]"],
    locals: ["result", "item", "nested"],
  }),
  python({
    id: "py-chunk-list",
    title: "Split a list into chunks",
    functionName: "chunk_list",
    prompt:
      "Write a Python function `chunk_list(items, size)` that splits a list into consecutive chunks of length size (the last chunk may be shorter) and raises ValueError when size is less than 1.",
    reference: code`
      def chunk_list(items, size):
          if size < 1:
              raise ValueError("size must be positive")
          return [items[i:i + size] for i in range(0, len(items), size)]
    `,
    buggy: [
      code`
        def chunk_list(items, size):
            if size < 1:
                raise ValueError("size must be positive")
            return [items[i:i + size] for i in range(0, len(items) - size + 1, size)]
      `,
      code`
        def chunk_list(items, size):
            if size < 1:
                raise ValueError("size must be positive")
            return [items[i:i + size] for i in range(0, len(items) + 1, size)]
      `,
      code`
        def chunk_list(items, size):
            return [items[i:i + size] for i in range(0, len(items), size)]
      `,
    ],
    hiddenTests: [
      "assert chunk_list([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]",
      "assert chunk_list([], 3) == []",
      "assert chunk_list([1, 2, 3], 3) == [[1, 2, 3]]",
      "assert chunk_list([1, 2], 5) == [[1, 2]]",
      code`
        try:
            chunk_list([1, 2], -1)
            raised = False
        except ValueError:
            raised = True
        assert raised
      `,
    ],
    modelTests: [
      "assert chunk_list([1, 2, 3], 1) == [[1], [2], [3]]",
      "assert chunk_list([1, 2, 3, 4], 3) == [[1, 2, 3], [4]]",
      'assert chunk_list(["a"], 4) == [["a"]]',
    ],
    wrongTests: ["assert chunk_list([1, 2, 3, 4], 3) == [[1, 2, 3]]"],
    locals: ["i", "items", "size"],
  }),
  python({
    id: "py-word-frequencies",
    title: "Word frequencies",
    functionName: "word_frequencies",
    prompt:
      "Write a Python function `word_frequencies(text)` that returns a dict mapping each word to how often it occurs, where words are runs of the letters a-z compared in lower case and everything else separates words.",
    reference: code`
      import re

      def word_frequencies(text):
          counts = {}
          for word in re.findall(r"[a-z]+", text.lower()):
              counts[word] = counts.get(word, 0) + 1
          return counts
    `,
    buggy: [
      code`
        def word_frequencies(text):
            counts = {}
            for word in text.lower().split():
                counts[word] = counts.get(word, 0) + 1
            return counts
      `,
      code`
        import re

        def word_frequencies(text):
            counts = {}
            for word in re.findall(r"[a-z]+", text):
                counts[word] = counts.get(word, 0) + 1
            return counts
      `,
    ],
    hiddenTests: [
      'assert word_frequencies("the cat and the hat") == {"the": 2, "cat": 1, "and": 1, "hat": 1}',
      'assert word_frequencies("") == {}',
      'assert word_frequencies("Hello, hello! HELLO?") == {"hello": 3}',
      'assert word_frequencies("one. two, one") == {"one": 2, "two": 1}',
    ],
    modelTests: [
      'assert word_frequencies("a a b") == {"a": 2, "b": 1}',
      'assert word_frequencies("Dog dog") == {"dog": 2}',
      'assert word_frequencies("yes, no") == {"yes": 1, "no": 1}',
    ],
    wrongTests: ['assert word_frequencies("Dog dog") == {"Dog": 1, "dog": 1}'],
    locals: ["counts", "word", "text"],
  }),
  python({
    id: "py-merge-intervals",
    title: "Merge overlapping intervals",
    functionName: "merge_intervals",
    prompt:
      "Write a Python function `merge_intervals(intervals)` that takes a list of [start, end] pairs in any order and returns the merged, sorted list of intervals, where intervals that overlap or touch are joined.",
    reference: code`
      def merge_intervals(intervals):
          merged = []
          for start, end in sorted(intervals):
              if merged and start <= merged[-1][1]:
                  merged[-1][1] = max(merged[-1][1], end)
              else:
                  merged.append([start, end])
          return merged
    `,
    buggy: [
      code`
        def merge_intervals(intervals):
            merged = []
            for start, end in intervals:
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            return merged
      `,
      code`
        def merge_intervals(intervals):
            merged = []
            for start, end in sorted(intervals):
                if merged and start < merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            return merged
      `,
      code`
        def merge_intervals(intervals):
            merged = []
            for start, end in sorted(intervals):
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = end
                else:
                    merged.append([start, end])
            return merged
      `,
    ],
    hiddenTests: [
      "assert merge_intervals([[1, 3], [2, 6], [8, 10], [15, 18]]) == [[1, 6], [8, 10], [15, 18]]",
      "assert merge_intervals([[1, 4], [4, 5]]) == [[1, 5]]",
      "assert merge_intervals([]) == []",
      "assert merge_intervals([[5, 7], [1, 2]]) == [[1, 2], [5, 7]]",
      "assert merge_intervals([[1, 10], [2, 3]]) == [[1, 10]]",
    ],
    modelTests: [
      "assert merge_intervals([[1, 2], [3, 4]]) == [[1, 2], [3, 4]]",
      "assert merge_intervals([[2, 3], [1, 2]]) == [[1, 3]]",
      "assert merge_intervals([[0, 5], [1, 2], [3, 4]]) == [[0, 5]]",
    ],
    wrongTests: ["assert merge_intervals([[1, 2], [2, 3]]) == [[1, 2], [2, 3]]"],
    locals: ["merged", "start", "end", "intervals"],
  }),
  python({
    id: "py-moving-average",
    title: "Moving average over a window",
    functionName: "moving_average",
    prompt:
      "Write a Python function `moving_average(values, window)` that returns the list of averages of every run of `window` consecutive values, and an empty list when window is less than 1 or longer than the list.",
    reference: code`
      def moving_average(values, window):
          if window < 1 or window > len(values):
              return []
          averages = []
          for i in range(len(values) - window + 1):
              averages.append(sum(values[i:i + window]) / window)
          return averages
    `,
    buggy: [
      code`
        def moving_average(values, window):
            if window < 1 or window > len(values):
                return []
            averages = []
            for i in range(len(values) - window):
                averages.append(sum(values[i:i + window]) / window)
            return averages
      `,
      code`
        def moving_average(values, window):
            if window < 1 or window > len(values):
                return []
            averages = []
            for i in range(len(values) - window + 1):
                averages.append(sum(values[i:i + window]) / len(values))
            return averages
      `,
      code`
        def moving_average(values, window):
            averages = []
            for i in range(len(values) - window + 1):
                averages.append(sum(values[i:i + window]) / window)
            return averages
      `,
    ],
    hiddenTests: [
      "assert moving_average([1, 2, 3, 4], 2) == [1.5, 2.5, 3.5]",
      "assert moving_average([5], 1) == [5.0]",
      "assert moving_average([1, 2], 3) == []",
      "assert moving_average([2, 4, 6], 3) == [4.0]",
      "assert moving_average([1, 2, 3], 0) == []",
    ],
    modelTests: [
      "assert moving_average([10, 20, 30], 1) == [10.0, 20.0, 30.0]",
      "assert moving_average([1, 3, 5, 7], 2) == [2.0, 4.0, 6.0]",
      "assert moving_average([], 2) == []",
    ],
    wrongTests: ["assert moving_average([1, 3, 5, 7], 2) == [2.0, 4.0]"],
    locals: ["averages", "i", "values", "window"],
  }),
  python({
    id: "py-is-leap-year",
    title: "Leap year check",
    functionName: "is_leap_year",
    prompt:
      "Write a Python function `is_leap_year(year)` that returns True for Gregorian leap years: divisible by 4, except centuries, which must be divisible by 400.",
    reference: code`
      def is_leap_year(year):
          return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    `,
    buggy: [
      code`
        def is_leap_year(year):
            return year % 4 == 0 and year % 100 != 0
      `,
      code`
        def is_leap_year(year):
            return year % 4 == 0
      `,
    ],
    hiddenTests: [
      "assert is_leap_year(2024) is True",
      "assert is_leap_year(1900) is False",
      "assert is_leap_year(2000) is True",
      "assert is_leap_year(2023) is False",
      "assert is_leap_year(2100) is False",
    ],
    modelTests: [
      "assert is_leap_year(1996)",
      "assert not is_leap_year(1800)",
      "assert is_leap_year(2400)",
      "assert not is_leap_year(2019)",
    ],
    wrongTests: ["assert is_leap_year(1900)"],
    locals: ["year"],
  }),
  python({
    id: "py-day-of-year",
    title: "Day of the year from a date",
    functionName: "day_of_year",
    prompt:
      'Write a Python function `day_of_year(date_str)` that takes a date like "2024-03-01" (YYYY-MM-DD, Gregorian calendar, no time zone) and returns its day number within the year, 1 for January 1st.',
    reference: code`
      def day_of_year(date_str):
          year, month, day = (int(part) for part in date_str.split("-"))
          days_in_month = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
          if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
              days_in_month[1] = 29
          return sum(days_in_month[:month - 1]) + day
    `,
    buggy: [
      code`
        def day_of_year(date_str):
            year, month, day = (int(part) for part in date_str.split("-"))
            days_in_month = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
                days_in_month[1] = 29
            return sum(days_in_month[:month]) + day
      `,
      code`
        def day_of_year(date_str):
            year, month, day = (int(part) for part in date_str.split("-"))
            days_in_month = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            if year % 4 == 0:
                days_in_month[1] = 29
            return sum(days_in_month[:month - 1]) + day
      `,
      code`
        def day_of_year(date_str):
            year, month, day = (int(part) for part in date_str.split("-"))
            days_in_month = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            return sum(days_in_month[:month - 1]) + day
      `,
    ],
    hiddenTests: [
      'assert day_of_year("2023-01-01") == 1',
      'assert day_of_year("2023-12-31") == 365',
      'assert day_of_year("2024-03-01") == 61',
      'assert day_of_year("1900-03-01") == 60',
      'assert day_of_year("2000-12-31") == 366',
    ],
    modelTests: [
      'assert day_of_year("2021-02-01") == 32',
      'assert day_of_year("2020-12-31") == 366',
      'assert day_of_year("2019-03-01") == 60',
    ],
    wrongTests: ['assert day_of_year("2020-12-31") == 365'],
    locals: ["days_in_month", "part", "date_str"],
  }),
  python({
    id: "py-caesar-cipher",
    title: "Caesar cipher",
    functionName: "caesar_cipher",
    prompt:
      "Write a Python function `caesar_cipher(text, shift)` that shifts every ASCII letter by shift places in the alphabet (wrapping around, keeping its case; shift may be negative or larger than 26) and leaves all other characters unchanged.",
    reference: code`
      def caesar_cipher(text, shift):
          out = []
          for ch in text:
              if ch.isascii() and ch.isalpha():
                  base = ord("A") if ch.isupper() else ord("a")
                  out.append(chr((ord(ch) - base + shift) % 26 + base))
              else:
                  out.append(ch)
          return "".join(out)
    `,
    buggy: [
      code`
        def caesar_cipher(text, shift):
            out = []
            for ch in text:
                if ch.isascii() and ch.isalpha():
                    base = ord("a")
                    out.append(chr((ord(ch) - base + shift) % 26 + base))
                else:
                    out.append(ch)
            return "".join(out)
      `,
      code`
        def caesar_cipher(text, shift):
            out = []
            for ch in text:
                if ch.isascii() and ch.isalpha():
                    out.append(chr(ord(ch) + shift))
                else:
                    out.append(ch)
            return "".join(out)
      `,
    ],
    hiddenTests: [
      'assert caesar_cipher("abc", 1) == "bcd"',
      'assert caesar_cipher("xyz", 3) == "abc"',
      'assert caesar_cipher("Hello, World!", 5) == "Mjqqt, Btwqi!"',
      'assert caesar_cipher("abc", -1) == "zab"',
      'assert caesar_cipher("Zz", 27) == "Aa"',
    ],
    modelTests: [
      'assert caesar_cipher("ABC", 2) == "CDE"',
      'assert caesar_cipher("a b", 1) == "b c"',
      'assert caesar_cipher("yes", 26) == "yes"',
      'assert caesar_cipher("Yo", 2) == "Aq"',
    ],
    wrongTests: ['assert caesar_cipher("ABC", 2) == "cde"'],
    locals: ["out", "ch", "base", "text", "shift"],
  }),
  python({
    id: "py-run-length-encode",
    title: "Run-length encoding",
    functionName: "run_length_encode",
    prompt:
      'Write a Python function `run_length_encode(s)` that encodes a string as each run\'s character followed by the run length, so "aaabcc" becomes "a3b1c2" and the empty string stays empty.',
    reference: code`
      def run_length_encode(s):
          if not s:
              return ""
          parts = []
          current = s[0]
          count = 1
          for ch in s[1:]:
              if ch == current:
                  count += 1
              else:
                  parts.append(current + str(count))
                  current = ch
                  count = 1
          parts.append(current + str(count))
          return "".join(parts)
    `,
    buggy: [
      code`
        def run_length_encode(s):
            if not s:
                return ""
            parts = []
            current = s[0]
            count = 1
            for ch in s[1:]:
                if ch == current:
                    count += 1
                else:
                    parts.append(current + str(count))
                    current = ch
                    count = 1
            return "".join(parts)
      `,
      code`
        def run_length_encode(s):
            parts = []
            current = s[0]
            count = 1
            for ch in s[1:]:
                if ch == current:
                    count += 1
                else:
                    parts.append(current + str(count))
                    current = ch
                    count = 1
            parts.append(current + str(count))
            return "".join(parts)
      `,
      code`
        def run_length_encode(s):
            if not s:
                return ""
            parts = []
            current = s[0]
            count = 1
            for ch in s[1:]:
                if ch == current:
                    count += 1
                else:
                    parts.append(current + str(count))
                    current = ch
                    count = 0
            parts.append(current + str(count))
            return "".join(parts)
      `,
    ],
    hiddenTests: [
      'assert run_length_encode("aaabcc") == "a3b1c2"',
      'assert run_length_encode("") == ""',
      'assert run_length_encode("a") == "a1"',
      'assert run_length_encode("aabbaa") == "a2b2a2"',
      'assert run_length_encode("abc") == "a1b1c1"',
    ],
    modelTests: [
      'assert run_length_encode("zzzz") == "z4"',
      'assert run_length_encode("ab") == "a1b1"',
      'assert run_length_encode("xxy") == "x2y1"',
    ],
    wrongTests: ['assert run_length_encode("ab") == "ab"'],
    locals: ["parts", "current", "count", "ch", "s"],
  }),
  python({
    id: "py-two-sum",
    title: "Two sum indices",
    functionName: "two_sum",
    prompt:
      "Write a Python function `two_sum(nums, target)` that returns the indices [i, j] (i < j) of the two different elements of nums whose sum is target, or None when no such pair exists; at most one pair sums to target.",
    reference: code`
      def two_sum(nums, target):
          seen = {}
          for j, num in enumerate(nums):
              if target - num in seen:
                  return [seen[target - num], j]
              seen[num] = j
          return None
    `,
    buggy: [
      code`
        def two_sum(nums, target):
            for i in range(len(nums)):
                for j in range(i, len(nums)):
                    if nums[i] + nums[j] == target:
                        return [i, j]
            return None
      `,
      code`
        def two_sum(nums, target):
            seen = {}
            for j, num in enumerate(nums):
                if target - num in seen:
                    return [seen[target - num], j]
                seen[num] = j
            return []
      `,
    ],
    hiddenTests: [
      "assert two_sum([2, 7, 11, 15], 9) == [0, 1]",
      "assert two_sum([3, 2, 4], 6) == [1, 2]",
      "assert two_sum([1, 2], 10) is None",
      "assert two_sum([3, 3], 6) == [0, 1]",
      "assert two_sum([], 0) is None",
    ],
    modelTests: [
      "assert two_sum([1, 5, 9], 14) == [1, 2]",
      "assert two_sum([4, 4], 8) == [0, 1]",
      "assert two_sum([5, 1], 7) is None",
    ],
    wrongTests: ["assert two_sum([1, 5, 9], 14) == [2, 1]"],
    locals: ["seen", "num", "j", "i", "nums"],
  }),
  python({
    id: "py-title-case",
    title: "Title case with small words",
    functionName: "title_case",
    prompt:
      'Write a Python function `title_case(text)` that capitalizes every word (first letter upper case, the rest lower case) except the small words "a", "an", "the", "of", "and", "in" and "on", which stay lower case unless they are the first word; words are separated by single spaces in the result.',
    reference: code`
      SMALL_WORDS = {"a", "an", "the", "of", "and", "in", "on"}

      def title_case(text):
          words = text.lower().split()
          titled = []
          for index, word in enumerate(words):
              if index > 0 and word in SMALL_WORDS:
                  titled.append(word)
              else:
                  titled.append(word[0].upper() + word[1:])
          return " ".join(titled)
    `,
    buggy: [
      code`
        SMALL_WORDS = {"a", "an", "the", "of", "and", "in", "on"}

        def title_case(text):
            words = text.lower().split()
            titled = []
            for word in words:
                if word in SMALL_WORDS:
                    titled.append(word)
                else:
                    titled.append(word[0].upper() + word[1:])
            return " ".join(titled)
      `,
      code`
        SMALL_WORDS = {"a", "an", "the", "of", "and", "in", "on"}

        def title_case(text):
            words = text.split()
            titled = []
            for index, word in enumerate(words):
                if index > 0 and word in SMALL_WORDS:
                    titled.append(word)
                else:
                    titled.append(word[0].upper() + word[1:])
            return " ".join(titled)
      `,
    ],
    hiddenTests: [
      'assert title_case("the lord of the rings") == "The Lord of the Rings"',
      'assert title_case("hELLO wORLD") == "Hello World"',
      'assert title_case("") == ""',
      'assert title_case("a tale of two cities") == "A Tale of Two Cities"',
    ],
    modelTests: [
      'assert title_case("war and peace") == "War and Peace"',
      'assert title_case("an APPLE") == "An Apple"',
      'assert title_case("python") == "Python"',
    ],
    wrongTests: ['assert title_case("war and peace") == "War And Peace"'],
    locals: ["words", "titled", "index", "word", "text"],
  }),
  python({
    id: "py-median",
    title: "Median of a list",
    functionName: "median_of",
    prompt:
      "Write a Python function `median_of(values)` that returns the median of a non-empty list of numbers (the mean of the two middle values when the length is even) and raises ValueError for an empty list.",
    reference: code`
      def median_of(values):
          if not values:
              raise ValueError("median of an empty list")
          ordered = sorted(values)
          mid = len(ordered) // 2
          if len(ordered) % 2 == 1:
              return ordered[mid]
          return (ordered[mid - 1] + ordered[mid]) / 2
    `,
    buggy: [
      code`
        def median_of(values):
            if not values:
                raise ValueError("median of an empty list")
            ordered = values
            mid = len(ordered) // 2
            if len(ordered) % 2 == 1:
                return ordered[mid]
            return (ordered[mid - 1] + ordered[mid]) / 2
      `,
      code`
        def median_of(values):
            if not values:
                raise ValueError("median of an empty list")
            ordered = sorted(values)
            mid = len(ordered) // 2
            return ordered[mid]
      `,
    ],
    hiddenTests: [
      "assert median_of([3, 1, 2]) == 2",
      "assert median_of([4, 1, 3, 2]) == 2.5",
      "assert median_of([7]) == 7",
      "assert median_of([1, 1, 2, 10]) == 1.5",
      code`
        try:
            median_of([])
            raised = False
        except ValueError:
            raised = True
        assert raised
      `,
    ],
    modelTests: [
      "assert median_of([9, 2, 5]) == 5",
      "assert median_of([1, 2, 3, 4]) == 2.5",
      "assert median_of([10, 20]) == 15",
    ],
    wrongTests: ["assert median_of([1, 2, 3, 4]) == 3"],
    locals: ["ordered", "mid", "values"],
  }),
  python({
    id: "py-balanced-brackets",
    title: "Balanced brackets",
    functionName: "balanced_brackets",
    prompt:
      "Write a Python function `balanced_brackets(s)` that returns True when every (, [ and { in the string is closed by the matching bracket in the right order; other characters are ignored.",
    reference: code`
      def balanced_brackets(s):
          pairs = {")": "(", "]": "[", "}": "{"}
          stack = []
          for ch in s:
              if ch in "([{":
                  stack.append(ch)
              elif ch in pairs:
                  if not stack or stack.pop() != pairs[ch]:
                      return False
          return not stack
    `,
    buggy: [
      code`
        def balanced_brackets(s):
            pairs = {")": "(", "]": "[", "}": "{"}
            stack = []
            for ch in s:
                if ch in "([{":
                    stack.append(ch)
                elif ch in pairs:
                    if not stack or stack.pop() != pairs[ch]:
                        return False
            return True
      `,
      code`
        def balanced_brackets(s):
            depth = 0
            for ch in s:
                if ch in "([{":
                    depth += 1
                elif ch in ")]}":
                    depth -= 1
                    if depth < 0:
                        return False
            return depth == 0
      `,
    ],
    hiddenTests: [
      'assert balanced_brackets("([]{})") is True',
      'assert balanced_brackets("([)]") is False',
      'assert balanced_brackets("((") is False',
      'assert balanced_brackets("") is True',
      'assert balanced_brackets("a(b)c]") is False',
    ],
    modelTests: [
      'assert balanced_brackets("{[()]}")',
      'assert not balanced_brackets("(]")',
      'assert not balanced_brackets("(()")',
      'assert not balanced_brackets(")(")',
    ],
    wrongTests: ['assert balanced_brackets("(]")'],
    locals: ["pairs", "stack", "ch", "depth", "s"],
  }),
  python({
    id: "py-second-largest",
    title: "Second largest distinct value",
    functionName: "second_largest",
    prompt:
      "Write a Python function `second_largest(nums)` that returns the second largest distinct value in the list, or None when there are fewer than two distinct values.",
    reference: code`
      def second_largest(nums):
          distinct = sorted(set(nums), reverse=True)
          if len(distinct) < 2:
              return None
          return distinct[1]
    `,
    buggy: [
      code`
        def second_largest(nums):
            distinct = sorted(nums, reverse=True)
            if len(distinct) < 2:
                return None
            return distinct[1]
      `,
      code`
        def second_largest(nums):
            distinct = sorted(set(nums), reverse=True)
            if len(distinct) < 1:
                return None
            return distinct[1]
      `,
    ],
    hiddenTests: [
      "assert second_largest([3, 1, 4, 1, 5]) == 4",
      "assert second_largest([5, 5, 3]) == 3",
      "assert second_largest([7]) is None",
      "assert second_largest([]) is None",
      "assert second_largest([-1, -2]) == -2",
    ],
    modelTests: [
      "assert second_largest([10, 20, 30]) == 20",
      "assert second_largest([2, 2, 2]) is None",
      "assert second_largest([9, 9, 8]) == 8",
    ],
    wrongTests: ["assert second_largest([9, 9, 8]) == 9"],
    locals: ["distinct", "nums"],
  }),
  python({
    id: "py-snake-to-camel",
    title: "snake_case to camelCase",
    functionName: "snake_to_camel",
    prompt:
      'Write a Python function `snake_to_camel(name)` that converts a snake_case identifier to camelCase: parts are separated by underscores (empty parts are ignored), the first part is lower case and each later part is capitalized, so "HTTP_STATUS_CODE" becomes "httpStatusCode".',
    reference: code`
      def snake_to_camel(name):
          parts = [p for p in name.split("_") if p]
          if not parts:
              return ""
          return parts[0].lower() + "".join(p.capitalize() for p in parts[1:])
    `,
    buggy: [
      code`
        def snake_to_camel(name):
            parts = name.split("_")
            if not parts:
                return ""
            return parts[0].lower() + "".join(p.capitalize() for p in parts[1:])
      `,
      code`
        def snake_to_camel(name):
            parts = [p for p in name.split("_") if p]
            return "".join(p.capitalize() for p in parts)
      `,
    ],
    hiddenTests: [
      'assert snake_to_camel("hello_world") == "helloWorld"',
      'assert snake_to_camel("_private_name") == "privateName"',
      'assert snake_to_camel("") == ""',
      'assert snake_to_camel("already") == "already"',
      'assert snake_to_camel("HTTP_STATUS_CODE") == "httpStatusCode"',
    ],
    modelTests: [
      'assert snake_to_camel("get_user_id") == "getUserId"',
      'assert snake_to_camel("x") == "x"',
      'assert snake_to_camel("__init__") == "init"',
    ],
    wrongTests: ['assert snake_to_camel("get_user_id") == "GetUserId"'],
    locals: ["parts", "p", "name"],
  }),
  python({
    id: "py-are-anagrams",
    title: "Anagram check",
    functionName: "are_anagrams",
    prompt:
      "Write a Python function `are_anagrams(first, second)` that returns True when the two strings are anagrams of each other, ignoring spaces and letter case (every letter must be used as many times as it occurs).",
    reference: code`
      def are_anagrams(first, second):
          def normalize(text):
              return sorted(text.replace(" ", "").lower())

          return normalize(first) == normalize(second)
    `,
    buggy: [
      code`
        def are_anagrams(first, second):
            def normalize(text):
                return set(text.replace(" ", "").lower())

            return normalize(first) == normalize(second)
      `,
      code`
        def are_anagrams(first, second):
            def normalize(text):
                return sorted(text.replace(" ", ""))

            return normalize(first) == normalize(second)
      `,
    ],
    hiddenTests: [
      'assert are_anagrams("listen", "silent") is True',
      'assert are_anagrams("Dormitory", "dirty room") is True',
      'assert are_anagrams("aab", "abb") is False',
      'assert are_anagrams("abc", "abcd") is False',
      'assert are_anagrams("", "") is True',
    ],
    modelTests: [
      'assert are_anagrams("Night", "thing")',
      'assert not are_anagrams("aabb", "ab")',
      'assert are_anagrams("a gentleman", "elegant man")',
    ],
    wrongTests: ['assert are_anagrams("aabb", "ab")'],
    locals: ["normalize", "text", "first", "second"],
  }),
  python({
    id: "py-digital-root",
    title: "Digital root",
    functionName: "digital_root",
    prompt:
      "Write a Python function `digital_root(n)` that repeatedly sums the decimal digits of the non-negative integer n until a single digit remains, and returns that digit.",
    reference: code`
      def digital_root(n):
          while n >= 10:
              n = sum(int(d) for d in str(n))
          return n
    `,
    buggy: [
      code`
        def digital_root(n):
            return sum(int(d) for d in str(n))
      `,
      code`
        def digital_root(n):
            while n > 10:
                n = sum(int(d) for d in str(n))
            return n
      `,
    ],
    hiddenTests: [
      "assert digital_root(16) == 7",
      "assert digital_root(942) == 6",
      "assert digital_root(0) == 0",
      "assert digital_root(10) == 1",
      "assert digital_root(493193) == 2",
    ],
    modelTests: [
      "assert digital_root(99) == 9",
      "assert digital_root(5) == 5",
      "assert digital_root(19) == 1",
    ],
    wrongTests: ["assert digital_root(99) == 18"],
    locals: ["d", "n"],
  }),
];
