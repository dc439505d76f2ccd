"""The form that creates a post."""

from django import forms

from .models import Post


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["title", "author", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}
